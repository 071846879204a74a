"""File downloads: CSV streamed from the database, never cached, with a Danish file name."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, stream_with_context
from sqlmodel import Session

from .db import get_session

# Flask adds "; charset=utf-8" to text types itself.
CSV_TYPE = "text/csv"
DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def attachment(filename: str) -> str:
    """A Content-Disposition for ``filename``, with an ASCII fallback for old clients."""
    ascii_name = filename.translate(DANISH_LETTERS).encode("ascii", "ignore").decode()
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _closing(chunks: Iterator[str], session: Session) -> Iterator[str]:
    """The chunks, then ``session`` closed.

    The request's teardown has already closed the session when streaming starts; the stream's
    queries open it again, and without this its connection would stay idle in a transaction.
    """
    try:
        yield from chunks
    finally:
        session.close()


def csv_download(chunks: Iterator[str], filename: str) -> Response:
    """Stream CSV chunks as an attachment that is never cached."""
    return Response(
        stream_with_context(_closing(chunks, get_session())),
        mimetype=CSV_TYPE,
        headers={"Content-Disposition": attachment(filename), "Cache-Control": "no-store"},
    )
