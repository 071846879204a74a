"""The progression tally: what the progression page and alpha read, counted over citizens.

Each citizen contributes a handful of tally rows computed from their own occasion score rows
(``citizen_tally``): per domain score the occasion number it was given at, the first and latest
score, the codes of their first occasion where a domain is answered in full, and one for being a
citizen. When a citizen's rows change (a submission, an erasure, the demo data dropped), their
contribution before is taken away and the one after is added, in the same transaction
(``retally``); rebuilding the occasion rows rebuilds the tally (``rebuild_tally``). So the page
reads counts whose number grows with domains x municipalities x scores, not with citizens.

A citizen's contribution depends on all their occasions, so two transactions must never work
out the same citizen's change at once: callers take the occasion table's change token
(``occasion_scores.changed``) first, which PostgreSQL holds locked until commit, and read the
citizen's rows after it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, tuple_
from sqlmodel import Session

from .db import adding_count, conflict_insert
from .models import OccasionScore, ProgressionTally

KEY_COLUMNS = ("kind", "domain", "municipality_id", "number", "first", "latest", "codes")
# A score packed into one integer: total * TOTAL + answered (a domain's total stays below 1000).
TOTAL = 1_000


@dataclass(frozen=True)
class OccasionDomain:
    """One occasion score row as the tally needs it."""

    response_id: str
    submitted_at: datetime
    municipality_id: int
    domain: str
    size: int
    answered: int
    total: int
    codes: str


def citizen_tally(rows: Iterable[OccasionDomain]) -> Counter:
    """One citizen's contribution to the tally (key in ``KEY_COLUMNS`` order -> 1).

    Occasions are ordered by submission time, then response id (as Python compares strings).
    The first occasion is the first with any row (alpha's patterns); occasions are numbered
    among those with an item of some domain answered, and the citizen belongs to the
    municipality of the first of those; a domain is scored at an occasion where at least half
    of its comparable items are answered."""
    rows = sorted(rows, key=lambda r: (r.submitted_at, r.response_id))
    tally: Counter = Counter()
    if not rows:
        return tally
    tally[("citizen", "", 0, 0, 0, 0, "")] = 1
    first_occasion = rows[0].response_id
    for row in rows:
        if row.response_id == first_occasion and 0 < row.size == row.answered:
            tally[("pattern", row.domain, 0, 0, 0, 0, row.codes)] += 1
    answered = [r for r in rows if r.answered > 0]
    if not answered:
        return tally
    place = answered[0].municipality_id
    numbers: dict[str, int] = {}
    for row in answered:
        numbers.setdefault(row.response_id, len(numbers) + 1)
    scored: dict[str, list[int]] = {}
    for row in answered:
        if row.size > 0 and 2 * row.answered >= row.size:
            packed = row.total * TOTAL + row.answered
            tally[("occasion", row.domain, place, numbers[row.response_id], packed, 0, "")] += 1
            scored.setdefault(row.domain, []).append(packed)
    for domain, scores in scored.items():
        paired = 1 if len(scores) >= 2 else 0
        tally[("pair", domain, place, paired, scores[0], scores[-1], "")] += 1
    return tally


def citizens_rows(
    session: Session, citizens: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[OccasionDomain]]:
    """The occasion score rows of each (questionnaire key, pseudonym), read now."""
    found: dict[tuple[str, str], list[OccasionDomain]] = {c: [] for c in citizens}
    t = OccasionScore
    for start in range(0, len(citizens), 500):
        batch = citizens[start : start + 500]
        query = select(
            t.questionnaire_key, t.respondent_key, t.response_id, t.submitted_at,
            t.municipality_id, t.domain, t.size, t.answered, t.total, t.codes,
        ).where(tuple_(t.questionnaire_key, t.respondent_key).in_(batch))  # fmt: skip
        for key, citizen, *values in session.execute(query):
            found[(key, citizen)].append(OccasionDomain(*values))
    return found


def retally(
    session: Session,
    citizens: Iterable[tuple[str, str]],
    arriving: frozenset[str] = frozenset(),
    leaving: frozenset[str] = frozenset(),
) -> None:
    """Bring the tally of ``citizens`` (questionnaire key, pseudonym) up to date with their
    occasion rows as they are now: the rows of the responses in ``arriving`` were just written
    (not in the tally yet), those in ``leaving`` are about to be deleted."""
    citizens = sorted(set(citizens))
    deltas: Counter = Counter()
    for (key, _), rows in citizens_rows(session, citizens).items():
        before = citizen_tally(r for r in rows if r.response_id not in arriving)
        after = citizen_tally(r for r in rows if r.response_id not in leaving)
        for row_key, n in after.items():
            deltas[(key, *row_key)] += n
        for row_key, n in before.items():
            deltas[(key, *row_key)] -= n
    add_tally(session, Counter({k: n for k, n in deltas.items() if n}))


def add_tally(session: Session, deltas: Counter) -> None:
    """Change the tally by ``deltas`` ((questionnaire key, *KEY_COLUMNS) -> how many), in one
    statement, rows in key order. Rows that drop to zero stay until the next bulk change
    (``drop_empty``); readers skip them."""
    if not deltas:
        return
    values = [
        {"questionnaire_key": key[0], **dict(zip(KEY_COLUMNS, key[1:], strict=True)), "count": n}
        for key, n in sorted(deltas.items())
    ]
    session.execute(_tally_upsert(session.get_bind().dialect.name), values)


@functools.cache
def _tally_upsert(dialect: str):
    """INSERT ... ON CONFLICT DO UPDATE adding to a count, built once per dialect."""
    statement = conflict_insert(dialect, ProgressionTally.__table__)
    return adding_count(statement, ["questionnaire_key", *KEY_COLUMNS])


def drop_empty(session: Session) -> None:
    """Delete rows whose count is zero."""
    session.execute(delete(ProgressionTally).where(ProgressionTally.count <= 0))


def rebuild_tally(session: Session, key: str | None = None) -> None:
    """Recount the tally (of questionnaire ``key`` only, when given) from the occasion rows."""
    t = OccasionScore
    stale = delete(ProgressionTally)
    query = select(
        t.questionnaire_key, t.respondent_key, t.response_id, t.submitted_at, t.municipality_id,
        t.domain, t.size, t.answered, t.total, t.codes,
    ).order_by(t.questionnaire_key, t.respondent_key)  # fmt: skip
    if key is not None:
        stale = stale.where(ProgressionTally.questionnaire_key == key)
        query = query.where(t.questionnaire_key == key)
    session.execute(stale)
    totals: Counter = Counter()
    current, rows = None, []
    found = session.execute(query.execution_options(yield_per=20000))
    for questionnaire, citizen, *values in found:
        if (questionnaire, citizen) != current:
            _add_citizen(totals, current, rows)
            current, rows = (questionnaire, citizen), []
        rows.append(OccasionDomain(*values))
    _add_citizen(totals, current, rows)
    if totals:
        columns = ("questionnaire_key", *KEY_COLUMNS)
        session.execute(
            insert(ProgressionTally),
            [{**dict(zip(columns, k, strict=True)), "count": n} for k, n in sorted(totals.items())],
        )


def _add_citizen(totals: Counter, citizen: tuple[str, str] | None, rows) -> None:
    if citizen is not None:
        for row_key, n in citizen_tally(rows).items():
            totals[(citizen[0], *row_key)] += n


def read_tally(session: Session, key: str, kinds: Sequence[str]):
    """The tally rows of ``key`` of the given kinds with a count above zero, as
    (kind, domain, municipality id, number, first, latest, codes, count)."""
    t = ProgressionTally
    return session.execute(
        select(t.kind, t.domain, t.municipality_id, t.number, t.first, t.latest, t.codes,
               t.count).where(t.questionnaire_key == key, t.kind.in_(kinds), t.count > 0)
    ).all()  # fmt: skip
