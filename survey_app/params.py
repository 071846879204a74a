"""Request parameters, checked where they enter: every query, form and path value a view
hands to the database is read here.

A value the app cannot use is answered with 400 (a Danish sentence on the error page), or 404
where it names a thing that then cannot exist. Nothing with a NUL byte reaches the database
(PostgreSQL refuses NUL in text), no number is larger than an ``integer`` column holds and no
date is so far out that adding a day overflows.
"""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from flask import abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

MAX_ID = 2_147_483_647  # the largest PostgreSQL ``integer``: ids, versions, counts
MAX_TEXT = 200
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class BadParameter(BadRequest):
    """A request parameter cannot be used; the description (Danish) says which and why."""


def _refuse(status: int, message: str):
    if status == 404:
        abort(404)
    raise BadParameter(message)


def _shown(value: str, length: int = 40) -> str:
    """``value`` fit to quote in a message: control characters as ``?``, at most ``length``."""
    value = CONTROL_CHARACTERS.sub("?", value)
    return value if len(value) <= length else value[:length] + "…"


def escape_control_characters(value: str) -> str:
    """``value`` with control characters written as ``\\xNN``, so it can be stored as text."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def text_param(
    values: MultiDict, name: str, *, max_length: int = MAX_TEXT, status: int = 400
) -> str:
    """The text ``name`` without surrounding spaces ("" when absent), refused when it has
    control characters or is longer than ``max_length``."""
    value = values.get(name, "").strip()
    if CONTROL_CHARACTERS.search(value) or len(value) > max_length:
        _refuse(status, f"Feltet „{name}“ har tegn, der ikke kan bruges, eller er for langt.")
    return value


def int_param(
    values: MultiDict,
    name: str,
    *,
    minimum: int = 1,
    maximum: int = MAX_ID,
    default: int | None = None,
    required: bool = False,
    status: int = 400,
) -> int | None:
    """The whole number ``name`` (ASCII digits, between ``minimum`` and ``maximum``), or
    ``default`` when absent or empty."""
    raw = values.get(name, "").strip()
    if not raw and not required:
        return default
    if ASCII_DIGITS.fullmatch(raw) is None or not minimum <= int(raw) <= maximum:
        _refuse(status, f"„{name}“ skal være et helt tal fra {minimum} til {maximum}.")
    return int(raw)


def date_param(values: MultiDict, name: str) -> date | None:
    """The date ``name`` (ÅÅÅÅ-MM-DD, between 1900 and 2999), or None when absent or empty."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        raise BadParameter(
            f"„{_shown(raw)}“ er ikke en dato mellem {EARLIEST_DATE} og {LATEST_DATE} "
            "(brug ÅÅÅÅ-MM-DD).",
        )
    return day


def path_values_checked(view):
    """Decorate a view whose URL has values: one with control characters or longer than
    ``MAX_TEXT`` is not found (404) before the view runs.

    Put it below the access decorators, so a user without access is refused (and logged) first.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        for value in request.view_args.values():
            if isinstance(value, str) and (
                CONTROL_CHARACTERS.search(value) or len(value) > MAX_TEXT
            ):
                abort(404)
        return view(*args, **kwargs)

    return wrapped
