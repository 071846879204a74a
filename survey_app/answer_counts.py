"""The answer count table: per wave, municipality, item and code how many answers there are.

Answers never change once submitted, so the counts are kept exactly: raised in the submitting
transaction (``store_answers``), lowered in the erasing one (``forget_answers``) and dropped
with the demo data (``forget_demo``). The comparison page reads them instead of the answers,
so its cost grows with items × groups × options, not with the number of answers. Only
answers with an option code or a missing code are counted (a response without a wave, such
as a tablet occasion, and free text or number answers are not compared between waves).
``fresh_counts`` counts the answers themselves: ``rebuild`` and the tests use it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import TextClause, bindparam, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from . import occasion_scores
from .db import adding_count, conflict_insert
from .models import Answer, AnswerCount, NewAnswer, NewResponse, Response

KEY_COLUMNS = (
    "questionnaire_version_id",
    "wave_id",
    "municipality_id",
    "is_demo",
    "item_key",
    "value",
    "missing",
)
ANSWER_COLUMNS = tuple(column.name for column in Answer.__table__.columns)
RESPONSE_COLUMNS = tuple(column.name for column in Response.__table__.columns)


def _code(value, missing) -> tuple[int, str] | None:
    """The count table's (value, missing) for an answer; None when it is not counted."""
    if value is not None:
        return int(value), ""
    if missing is not None:
        return 0, missing
    return None


def insert_response(session: Session, response: Response | NewResponse) -> None:
    """Insert a new response row in one statement (the object is not added to the session:
    the submitting paths never change it afterwards)."""
    values = {name: getattr(response, name) for name in RESPONSE_COLUMNS}
    session.connection().execute(_response_insert(), values)


def store_answers(
    session: Session, response: Response | NewResponse, rows: Iterable[Answer | NewAnswer]
) -> None:
    """Insert a submitted response's answer rows and count them, in the caller's transaction
    (``response`` must be inserted already)."""
    rows = list(rows)
    if rows:
        # One multi-row INSERT: psycopg sends an executemany as a pipeline and waits for it
        # by polling, which costs the worker more CPU the slower the database answers.
        connection = session.connection()  # Core statements: no ORM work needed
        statement = _answer_insert(connection.dialect.name, len(rows))
        connection.execute(statement, _flat(_answer_values(rows), "a"))
    occasion_scores.add_occasion(session, response, rows)
    add_counts(session, _deltas(response, rows))


def store_submission(
    session: Session, response: Response | NewResponse, rows: Iterable[Answer | NewAnswer]
) -> None:
    """Insert a new response with its answer rows and raise the counts, in the caller's
    transaction: ``insert_response`` and ``store_answers`` in one, and on PostgreSQL in one
    statement (one round trip instead of three)."""
    rows = list(rows)
    connection = session.connection()
    counts = _count_values(_deltas(response, rows))
    if connection.dialect.name != "postgresql" or not rows or not counts:
        insert_response(session, response)
        store_answers(session, response, rows)
        return
    parameters = {f"r_{name}": getattr(response, name) for name in RESPONSE_COLUMNS}
    parameters.update(_flat(_answer_values(rows), "a"))
    parameters.update(_flat(counts, "c"))
    connection.execute(_submission_statement(len(rows), len(counts)), parameters)
    occasion_scores.add_occasion(session, response, rows)


def _answer_values(rows: list[Answer | NewAnswer]) -> list[dict]:
    return [{name: getattr(row, name) for name in ANSWER_COLUMNS} for row in rows]


def _deltas(response: Response | NewResponse, rows: list[Answer | NewAnswer]) -> Counter:
    """How much each count rises with these answer rows (none for a response without wave)."""
    deltas = Counter()
    if response.wave_id is None:
        return deltas
    group = (
        response.questionnaire_version_id,
        response.wave_id,
        response.municipality_id,
        bool(response.is_demo),
    )
    for row in rows:
        code = _code(row.value, row.missing)
        if code is not None:
            deltas[(*group, row.item_key, *code)] += 1
    return deltas


def _count_values(deltas: Counter) -> list[dict]:
    """The count rows to raise, in key order (rows are locked in that order)."""
    return [
        {**dict(zip(KEY_COLUMNS, key, strict=True)), "count": n}
        for key, n in sorted(deltas.items())
    ]


def add_counts(session: Session, deltas: Counter) -> None:
    """Raise the counts by ``deltas`` (key in ``KEY_COLUMNS`` order -> how many), creating
    rows as needed; one multi-row statement, rows locked in key order so that simultaneous
    submissions never wait on each other in a cycle."""
    if not deltas:
        return
    values = _count_values(deltas)
    connection = session.connection()
    connection.execute(_count_upsert(connection.dialect.name, len(values)), _flat(values, "c"))


def _flat(values: list[dict], prefix: str) -> dict:
    """Rows of values as the parameters of a statement with one placeholder per cell."""
    return {
        f"{prefix}_{name}_{i}": value for i, row in enumerate(values) for name, value in row.items()
    }


def _placeholders(columns, rows: int, prefix: str) -> list[dict]:
    """The VALUES rows of a multi-row INSERT, one bound parameter per cell (see ``_flat``)."""
    return [{name: bindparam(f"{prefix}_{name}_{i}") for name in columns} for i in range(rows)]


@functools.cache
def _response_insert():
    return insert(Response.__table__)


def _as_text(statement, dialect: str) -> TextClause:
    """A statement compiled once to SQL text for ``dialect``. SQLAlchemy does not cache the
    compiled form of a multi-row INSERT; as text it compiles once and is then reused."""
    base = postgresql.base.PGDialect if dialect == "postgresql" else sqlite.base.SQLiteDialect
    return text(str(statement.compile(dialect=base(paramstyle="named"))))


def _answers_statement(rows: int):
    return insert(Answer.__table__).values(_placeholders(ANSWER_COLUMNS, rows, "a"))


@functools.lru_cache(maxsize=64)
def _answer_insert(dialect: str, rows: int) -> TextClause:
    """INSERT INTO answer ... VALUES (...), (...) for ``rows`` rows, built once per dialect
    and row count."""
    return _as_text(_answers_statement(rows), dialect)


def _counts_statement(dialect: str, rows: int):
    statement = conflict_insert(dialect, AnswerCount.__table__).values(
        _placeholders((*KEY_COLUMNS, "count"), rows, "c")
    )
    return adding_count(statement, [c for c in KEY_COLUMNS if c != "questionnaire_version_id"])


@functools.lru_cache(maxsize=64)
def _count_upsert(dialect: str, rows: int) -> TextClause:
    """INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE raising counts, for ``rows`` rows,
    built once per dialect and row count (its compiled form is then reused)."""
    return _as_text(_counts_statement(dialect, rows), dialect)


@functools.lru_cache(maxsize=64)
def _submission_statement(answers: int, counts: int) -> TextClause:
    """PostgreSQL: the response, its ``answers`` answer rows and ``counts`` count rows in one
    statement (the response and answers as data-modifying WITH parts; the foreign keys are
    checked at the end of the statement, when all rows are in)."""
    response = insert(Response.__table__).values(
        {name: bindparam(f"r_{name}") for name in RESPONSE_COLUMNS}
    )
    statement = _counts_statement("postgresql", counts).add_cte(
        response.cte("new_response"), _answers_statement(answers).cte("new_answers")
    )
    return _as_text(statement, "postgresql")


def _grouped(response_filter=None):
    """Answers counted per count-table key (only responses with a wave; coded answers)."""
    keys = (
        Response.questionnaire_version_id,
        Response.wave_id,
        Response.municipality_id,
        Response.is_demo,
        Answer.item_key,
        func.coalesce(Answer.value, literal(0)),
        func.coalesce(Answer.missing, literal("")),
    )
    query = (
        select(*keys, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.wave_id.is_not(None),
            (Answer.value.is_not(None)) | (Answer.missing.is_not(None)),
        )
        .group_by(*keys)
    )
    return query if response_filter is None else query.where(response_filter)


def fresh_counts(session: Session) -> dict[tuple, int]:
    """The counts as the answers give them now (key in ``KEY_COLUMNS`` order -> count)."""
    return {tuple(row[:-1]): row[-1] for row in session.execute(_grouped())}


def stored_counts(session: Session) -> dict[tuple, int]:
    """The count table's rows (key in ``KEY_COLUMNS`` order -> count), zero counts left out."""
    columns = [getattr(AnswerCount, name) for name in KEY_COLUMNS]
    rows = session.execute(select(*columns, AnswerCount.count).where(AnswerCount.count != 0))
    return {tuple(row[:-1]): row[-1] for row in rows}


def forget_answers(session: Session, response_filter) -> None:
    """Lower the counts by the answers of the responses ``response_filter`` selects, before
    they are deleted in the same transaction."""
    occasion_scores.forget_occasions(session, response_filter)
    for *key, n in session.execute(_grouped(response_filter)).all():
        match = [
            getattr(AnswerCount, name) == part for name, part in zip(KEY_COLUMNS, key, strict=True)
        ]
        session.execute(update(AnswerCount).where(*match).values(count=AnswerCount.count - n))
    session.execute(delete(AnswerCount).where(AnswerCount.count <= 0))


def forget_demo(session: Session) -> None:
    """Drop the counts of demo responses (all demo responses are being deleted)."""
    session.execute(delete(AnswerCount).where(AnswerCount.is_demo.is_(True)))
    occasion_scores.forget_demo_occasions(session)


def rebuild(session: Session) -> int:
    """Recount every answer into the count table; returns the number of count rows."""
    occasion_scores.rebuild_occasions(session)
    session.execute(delete(AnswerCount))
    columns = [getattr(AnswerCount.__table__.c, name) for name in (*KEY_COLUMNS, "count")]
    session.execute(insert(AnswerCount).from_select(columns, _grouped()))
    return session.execute(select(func.count()).select_from(AnswerCount)).scalar_one()
