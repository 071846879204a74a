"""The long CSV export: one row per response and item. This file is what analysis/ reads.

An open item's answer (text or number) is in ``value`` with ``label`` empty; free text is made
inert like every text cell, a number is written as a plain decimal number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlmodel import Session

from .models import Answer, Municipality, QuestionnaireVersion, Response, Wave
from .questionnaire_schema import Questionnaire
from .registry import parse_stored_definition
from .waves import as_utc

EXPORT_COLUMNS = [
    "response_id",
    "respondent_key",
    "questionnaire",
    "version",
    "wave",
    "municipality",
    "item",
    "value",
    "label",
    "missing",
    "answered_at",
]
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BATCH_SIZE = 2000


class ExportError(ValueError):
    """The export was asked for something that does not exist."""


@dataclass(frozen=True)
class ExportFilter:
    """Which rows to export; ``municipality_ids`` (when set) limits to those municipalities;
    without ``include_identifying`` the answers to identifying text items are left out."""

    questionnaire: str | None = None
    wave: str | None = None
    municipality: str | None = None
    include_demo: bool = True
    version: int | None = None
    municipality_ids: frozenset[int] | None = None
    include_identifying: bool = True


def answered_at_text(moment, anonymous: bool) -> str:
    """When a response was given, as the export writes it (only the date when anonymous)."""
    moment = as_utc(moment)
    return moment.date().isoformat() if anonymous else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def inert(cell: str) -> str:
    """A cell that a spreadsheet will show as text rather than run as a formula."""
    return "'" + cell if cell.startswith(SPREADSHEET_TRIGGERS) else cell


def answer_rows_query(filters: ExportFilter):
    """The answer rows a filter selects, with their response, version, wave and municipality,
    in export order (questionnaire, version, time, response, item)."""
    query = (
        select(
            Answer.response_id,
            Answer.item_key,
            Answer.value,
            Answer.missing,
            Answer.text_value,
            Response.respondent_key,
            Response.submitted_at,
            QuestionnaireVersion.key,
            QuestionnaireVersion.version,
            QuestionnaireVersion.anonymous,
            QuestionnaireVersion.id,
            Wave.key,
            Municipality.name,
        )
        .join(Response, Answer.response_id == Response.id)
        .join(QuestionnaireVersion, Response.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .outerjoin(Wave, Response.wave_id == Wave.id)
    )
    if filters.questionnaire:
        query = query.where(QuestionnaireVersion.key == filters.questionnaire)
    if filters.wave:
        query = query.where(Wave.key == filters.wave)
    if filters.municipality:
        query = query.where(Municipality.name == filters.municipality)
    if filters.municipality_ids is not None:
        query = query.where(Response.municipality_id.in_(sorted(filters.municipality_ids)))
    if filters.version is not None:
        query = query.where(QuestionnaireVersion.version == filters.version)
    if not filters.include_demo:
        query = query.where(Response.is_demo.is_(False))
    return query.order_by(
        QuestionnaireVersion.key,
        QuestionnaireVersion.version,
        Response.submitted_at,
        Response.id,
        Answer.position,
    )


def is_identifying(definition: Questionnaire, item_key: str) -> bool:
    """Whether an item is a text item whose answers may identify people (evaluator-only)."""
    item = definition.item(item_key)
    return item is not None and item.type == "text" and item.identifying


def number_cell(text: str) -> Decimal | str:
    """A number item's stored answer as a Decimal, so no formula guard touches it; a stored
    text that is no number stays text (and is guarded like any free text)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return number if number.is_finite() else text


def answer_cells(
    definition: Questionnaire,
    item_key: str,
    value: int | None,
    text_value: str | None,
    missing: str | None,
) -> tuple[str | Decimal, str]:
    """The ``value`` and ``label`` cells of one answer: the option code and its Danish label,
    the label of "Ved ikke", or an open item's answer with no label (a number as a Decimal,
    so that no formula guard touches it; free text as a string, which ``csv_chunks`` guards)."""
    if text_value is not None:
        item = definition.item(item_key)
        if item is not None and item.type == "number":
            return number_cell(text_value), ""
        return text_value, ""
    label = ""
    item = definition.item(item_key)
    if item is not None and item.type == "scale":
        scale = definition.scale_for(item)
        if value is not None:
            option = scale.option(value)
            label = option.label.da if option else ""
        elif scale.non_substantive and missing == scale.non_substantive.key:
            label = scale.non_substantive.label.da
    return ("" if value is None else str(value)), label


def export_rows(session: Session, filters: ExportFilter) -> Iterator[list[str]]:
    """The export's data rows (without header), streamed from the database in batches."""
    # Definitions are few and large: read them once rather than with every answer row.
    definitions = {
        version_id: parse_stored_definition(definition)
        for version_id, definition in session.execute(
            select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
        )
    }
    result = session.execute(answer_rows_query(filters).execution_options(yield_per=BATCH_SIZE))
    for (
        response_id,
        item_key,
        value,
        missing,
        text_value,
        respondent_key,
        submitted_at,
        questionnaire,
        version,
        anonymous,
        version_id,
        wave,
        municipality,
    ) in result:
        definition = definitions[version_id]
        if not filters.include_identifying and is_identifying(definition, item_key):
            continue
        value_cell, label = answer_cells(definition, item_key, value, text_value, missing)
        answered_at = answered_at_text(submitted_at, anonymous)
        yield [
            response_id,
            respondent_key or "",
            questionnaire,
            str(version),
            wave or "",
            municipality,
            item_key,
            value_cell,
            label,
            missing or "",
            answered_at,
        ]


def csv_chunks(
    rows: Iterable[list],
    header: list[str] = EXPORT_COLUMNS,
    rows_per_chunk: int = 500,
    *,
    for_excel: bool = False,
) -> Iterator[str]:
    """CSV text (header first) in chunks, for streaming to a file or an HTTP response.

    Every CSV the app writes comes from here: an empty cell stands for None, and a text cell
    that a spreadsheet would run as a formula is made inert (see ``inert``). ``for_excel``
    writes what Danish Excel opens by double-click: a byte order mark first and ``;`` between
    cells (Danish Excel reads ``,`` as the decimal comma).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if for_excel else ",", lineterminator="\n")
    if for_excel:
        buffer.write("\ufeff")
    writer.writerow(header)
    # A cell holding a carriage return is quoted as well (as PostgreSQL's COPY does; unquoted,
    # a reader takes it for the end of the row): written with "\r\n", which is then made "\n".
    crlf_writer = csv.writer(buffer, delimiter=";" if for_excel else ",", lineterminator="\r\n")
    pending = 1
    for row in rows:
        # The csv module writes None as an empty cell.
        cells = [inert(cell) if isinstance(cell, str) else cell for cell in row]
        if any(isinstance(cell, str) and "\r" in cell for cell in cells):
            crlf_writer.writerow(cells)
            buffer.seek(buffer.tell() - 2)
            buffer.write("\n")
            buffer.truncate()
        else:
            writer.writerow(cells)
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
