"""The long CSV on PostgreSQL at the speed of ``COPY``: the same bytes as ``export.csv_chunks``
over ``export.export_rows``, written by the database.

The rows are selected by the same query (``export.answer_rows_query``), labels are joined from
the stored definitions, and every cell is made inert by the same rule (``SPREADSHEET_TRIGGERS``)
expressed in SQL. The output is spooled to a temporary file before the first byte is sent, so a
slow or stalled client never holds a database connection or transaction: the database's work is
bounded by ``COPY_TIMEOUT`` and the client is fed from the file. SQLite keeps the portable path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from sqlalchemy import Boolean, Integer, String, and_, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import column, values
from sqlmodel import Session

from .export import (
    EXPORT_COLUMNS,
    SPREADSHEET_TRIGGERS,
    ExportFilter,
    answer_rows_query,
    csv_chunks,
    export_rows,
    inert,
    is_identifying,
)
from .models import Answer, Municipality, QuestionnaireVersion, Response, Wave
from .registry import parse_stored_definition

COPY_TIMEOUT = "600s"  # the longest the database may spend writing one export
READ_SIZE = 1 << 16


def long_csv(session: Session, filters: ExportFilter, *, for_excel: bool = False) -> Iterator:
    """The long CSV (header first) in chunks: by ``COPY`` on PostgreSQL, else portably."""
    if session.get_bind().dialect.name == "postgresql":
        return copied_csv(session, filters, for_excel=for_excel)
    return csv_chunks(export_rows(session, filters), for_excel=for_excel)


def inert_sql(cell):
    """``export.inert`` in SQL: a cell starting with a spreadsheet trigger gets a ``'``."""
    starts = func.substr(cell, 1, 1).in_([literal(t) for t in SPREADSHEET_TRIGGERS])
    return case((starts, literal("'") + cell), else_=cell)


# A stored number as the answering side writes it ("12", "-2.5"); ``export.number_cell``
# leaves such a cell unguarded, and anything else in a number item is guarded like free text.
PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"


def value_cell(open_items):
    """The ``value`` column's text, made inert where ``csv_chunks`` would: the option code,
    a number as stored (never guarded, so "-5" stays a number), or free text (guarded)."""
    number = and_(open_items.c.kind == "number", Answer.text_value.regexp_match(PLAIN_NUMBER))
    return case(
        (number, Answer.text_value),
        (Answer.text_value.is_not(None), inert_sql(Answer.text_value)),
        else_=cast(Answer.value, String),
    )


def _open_items(session: Session):
    """Every open (text or number) item, keyed by version and item, with whether its
    answers may identify people, as an SQL VALUES list."""
    rows = []
    for version_id, text in session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
    ):
        definition = parse_stored_definition(text)
        rows += [
            (version_id, item.key, item.type, is_identifying(definition, item.key))
            for item in definition.items
            if item.is_open
        ]
    columns = [column("vid", Integer), column("item", String), column("kind", String),
               column("identifying", Boolean)]  # fmt: skip
    rows = rows or [(0, "", "", False)]
    return values(*columns, name="open_items").data(rows)


def _labels(session: Session):
    """Every option's and non-substantive answer's Danish label, made inert, keyed by version,
    item and code (the code as text, or the missing key), as an SQL VALUES list."""
    rows = []
    for version_id, text in session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
    ):
        definition = parse_stored_definition(text)
        for item in definition.items:
            if item.is_open:
                continue
            scale = definition.scale_for(item)
            rows += [(version_id, item.key, str(o.code), inert(o.label.da)) for o in scale.options]
            if scale.non_substantive:
                nonsub = scale.non_substantive
                rows.append((version_id, item.key, nonsub.key, inert(nonsub.label.da)))
    columns = [column("vid", Integer), column("item", String), column("code", String),
               column("label", String)]  # fmt: skip
    rows = rows or [(0, "", "", "")]
    return values(*columns, name="labels").data(rows)


def _guarded(session: Session, cell, values=None):
    """``cell`` guarded in SQL only if one of its possible values needs it: the values of a
    small table's column (read here, default) or ``values``. Every row then skips a test."""
    if values is None:
        values = session.execute(select(cell).distinct()).scalars()
    if all(inert(str(v)) == str(v) for v in values if v is not None):
        return cell
    return inert_sql(cell)


def _item_keys(session: Session) -> set[str]:
    """The item keys of every stored version (the only keys an answer row is written with)."""
    return {
        item.key
        for (text,) in session.execute(select(QuestionnaireVersion.definition))
        for item in parse_stored_definition(text).items
    }


def copy_statement(session: Session, filters: ExportFilter, *, for_excel: bool = False) -> str:
    """The ``COPY (SELECT ...) TO STDOUT`` that writes the export's data rows."""
    labels, open_items = _labels(session), _open_items(session)
    anonymous_at = func.to_char(func.timezone("UTC", Response.submitted_at), "YYYY-MM-DD")
    exact_at = func.to_char(
        func.timezone("UTC", Response.submitted_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
    )
    label_code = func.coalesce(cast(Answer.value, String), Answer.missing)
    labelled = and_(
        labels.c.vid == Response.questionnaire_version_id,
        labels.c.item == Answer.item_key,
        labels.c.code == label_code,
    )
    guarded = [
        inert_sql(Answer.response_id),
        inert_sql(Response.respondent_key),
        _guarded(session, QuestionnaireVersion.key),
        _guarded(session, cast(QuestionnaireVersion.version, String)),
        _guarded(session, Wave.key),
        _guarded(session, Municipality.name),
        _guarded(session, Answer.item_key, _item_keys(session)),
        value_cell(open_items),
        labels.c.label,  # made inert in the VALUES list (_labels)
        inert_sql(Answer.missing),
        # A date written by to_char starts with a digit: never a trigger.
        case((QuestionnaireVersion.anonymous, anonymous_at), else_=exact_at),
    ]
    # An empty cell must be NULL: COPY writes NULL as nothing and '' as "".
    shown = [func.nullif(c, "").label(f"c{i}") for i, c in enumerate(guarded)]
    is_open = and_(
        open_items.c.vid == Response.questionnaire_version_id,
        open_items.c.item == Answer.item_key,
    )
    query = (
        answer_rows_query(filters)
        .with_only_columns(*shown)
        .outerjoin(labels, labelled)
        .outerjoin(open_items, is_open)
    )
    if not filters.include_identifying:
        query = query.where(open_items.c.identifying.is_not(True))
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    delimiter = ";" if for_excel else ","
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"


def copied_csv(session: Session, filters: ExportFilter, *, for_excel: bool = False) -> Iterator:
    """The long CSV written by PostgreSQL into a temporary file, then read out in chunks; the
    database connection is given back before the first chunk is sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the generator below
    try:
        copy_into(session, filters, spool, for_excel=for_excel)
    except BaseException:
        spool.close()
        raise
    return _read_out(spool)


def write_long_csv(session: Session, filters: ExportFilter, handle) -> None:
    """Write the long CSV into the binary file ``handle``: straight from ``COPY`` on
    PostgreSQL (a file never stalls, so nothing is spooled), else portably."""
    if session.get_bind().dialect.name == "postgresql":
        copy_into(session, filters, handle)
        return
    for chunk in csv_chunks(export_rows(session, filters)):
        handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())


def copy_into(session: Session, filters: ExportFilter, handle, *, for_excel: bool = False):
    """Write the header and ``COPY``'s rows into the binary file ``handle``, then end the
    transaction and give the connection back."""
    statement = copy_statement(session, filters, for_excel=for_excel)
    bom = "\ufeff" if for_excel else ""
    delimiter = ";" if for_excel else ","
    handle.write((bom + delimiter.join(EXPORT_COLUMNS) + "\n").encode())
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = '{COPY_TIMEOUT}'")
        with cursor.copy(statement) as copy:
            for data in copy:
                handle.write(data)
    session.rollback()  # nothing was written; ends the transaction, frees the connection
    session.close()


def _read_out(spool) -> Iterator[bytes]:
    """The spooled file's bytes in chunks, the file closed (and gone) at the end."""
    with spool:
        spool.seek(0)
        while data := spool.read(READ_SIZE):
            yield data
