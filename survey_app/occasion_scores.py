"""The occasion score table: per citizen occasion and domain what progression needs.

A citizen occasion is a response with a pseudonym (``respondent_key``). Its row per domain
holds the number of the domain's comparable items, how many of them got an option code, the
sum of those codes with negative items reversed, and the codes themselves (for alpha). Rows
are written in the submitting transaction (``add_occasion``), deleted in the erasing one
(``forget_occasions``) and dropped with the demo data (``forget_demo_occasions``), as the
answer counts are (answer_counts.py calls these); each of these also brings the progression
tally of the citizens concerned up to date (progression_tally.py), after taking the change
token, which serialises them.

Which items count, in which domain and with which polarity follows the merged definition of
all stored versions of the questionnaire, which changes when a version is loaded. The rows
therefore hold precomputed values together with a digest of the rules they were computed
under (``rules``); ``ensure_current`` recomputes a questionnaire's rows from its answers when
any row was computed under other rules than the definition being read, so a stale value is
never read. A domain gets a row when the response has an answer row (of any kind) for any of
the domain's items, so that the first occasion of a citizen is the same one the answers give.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlmodel import Session

from analysis.definitions import QuestionnaireDef, definition_from_mapping, merge_versions

from .models import (
    Answer,
    NewAnswer,
    NewResponse,
    OccasionGeneration,
    OccasionScore,
    QuestionnaireVersion,
    Response,
)
from .progression_tally import drop_empty, rebuild_tally, retally


@dataclass(frozen=True)
class DomainRule:
    """One domain: all its items (an answer to any of them gives the occasion a row) and its
    comparable items with the number a negative item's code is subtracted from (0: kept)."""

    key: str
    items: tuple[str, ...]
    scored: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Rules:
    """The domain rules of a questionnaire's merged definition and their digest."""

    domains: tuple[DomainRule, ...]
    digest: str


def rules_of(definition: QuestionnaireDef) -> Rules:
    """The domain rules of ``definition``: membership, comparability and polarity."""
    domains = []
    for domain in definition.domains:
        items = definition.domain_items(domain.key)
        scored = tuple(
            (i.key, i.n_options + 1 if i.polarity == "negative" else 0)
            for i in items
            if definition.is_comparable(i.key)
        )
        domains.append(DomainRule(domain.key, tuple(i.key for i in items), scored))
    text = json.dumps([[d.key, d.items, d.scored] for d in domains])
    return Rules(tuple(domains), hashlib.sha256(text.encode()).hexdigest()[:16])


_merged: dict[tuple, Rules] = {}


def stored_rules(session: Session, key: str) -> Rules:
    """The rules of the merged definition of every stored version of ``key`` (kept per
    process under the versions' fingerprints, since a stored version never changes)."""
    versions = tuple(
        session.execute(
            select(QuestionnaireVersion.version, QuestionnaireVersion.fingerprint)
            .where(QuestionnaireVersion.key == key)
            .order_by(QuestionnaireVersion.version)
        ).all()
    )
    found = _merged.get((key, versions))
    if found is None:
        stored = session.execute(
            select(QuestionnaireVersion.version, QuestionnaireVersion.definition).where(
                QuestionnaireVersion.key == key
            )
        ).all()
        definitions = {v: definition_from_mapping(json.loads(d), f"{key} v{v}") for v, d in stored}
        found = _merged[(key, versions)] = rules_of(merge_versions(definitions, set(definitions)))
    return found


def occasion_rows(
    rules: Rules, key: str, response: Response | NewResponse, values: Mapping[str, int | None]
) -> list[dict]:
    """The table rows of one citizen response given its answer rows (item -> option code,
    None for an answer without one)."""
    rows = []
    for domain in rules.domains:
        if not any(item in values for item in domain.items):
            continue
        scores = [
            None if values.get(item) is None else (top - values[item] if top else values[item])
            for item, top in domain.scored
        ]
        given = [s for s in scores if s is not None]
        rows.append(
            {
                "response_id": response.id,
                "domain": domain.key,
                "questionnaire_key": key,
                "respondent_key": response.respondent_key,
                "municipality_id": response.municipality_id,
                "submitted_at": response.submitted_at,
                "is_demo": bool(response.is_demo),
                "rules": rules.digest,
                "size": len(domain.scored),
                "answered": len(given),
                "total": sum(given),
                "codes": ",".join("" if s is None else str(s) for s in scores),
            }
        )
    return rows


def add_occasion(
    session: Session, response: Response | NewResponse, rows: Iterable[Answer | NewAnswer]
) -> None:
    """Write the occasion's rows of a submitted citizen response (nothing for a response
    without a pseudonym), in the caller's transaction."""
    if response.respondent_key is None:
        return
    key = session.scalar(
        select(QuestionnaireVersion.key).where(
            QuestionnaireVersion.id == response.questionnaire_version_id
        )
    )
    values = {row.item_key: row.value for row in rows}
    scored = occasion_rows(stored_rules(session, key), key, response, values)
    if scored:
        changed(session)
        session.execute(insert(OccasionScore), scored)
        retally(session, [(key, response.respondent_key)], arriving=frozenset({response.id}))


def forget_occasions(session: Session, response_filter) -> None:
    """Delete the rows of the responses ``response_filter`` selects (being erased)."""
    _forget(session, OccasionScore.response_id.in_(select(Response.id).where(response_filter)))


def forget_demo_occasions(session: Session) -> None:
    """Delete the rows of demo responses (all demo responses are being deleted)."""
    _forget(session, OccasionScore.is_demo.is_(True))


def _forget(session: Session, rows_filter) -> None:
    """Take the rows ``rows_filter`` selects out of the tally, then delete them."""
    changed(session)
    t = OccasionScore
    leaving = session.execute(
        select(t.questionnaire_key, t.respondent_key, t.response_id).where(rows_filter)
    ).all()
    citizens = {(key, citizen) for key, citizen, _ in leaving}
    retally(session, citizens, leaving=frozenset(r for _, _, r in leaving))
    drop_empty(session)
    session.execute(
        delete(OccasionScore).where(rows_filter), execution_options={"synchronize_session": False}
    )


@dataclass
class _Occasion:
    id: str
    respondent_key: str
    municipality_id: int
    submitted_at: datetime
    is_demo: bool


def rebuild_occasions(
    session: Session, key: str | None = None, rules: Rules | None = None, tally: bool = True
) -> int:
    """Recompute the rows of every citizen response (of questionnaire ``key`` only, under
    ``rules``, when given) from the answers, and the progression tally from them unless
    ``tally`` is false (only migration 0012, before the tally's table exists); returns the
    number of rows written."""
    query = (
        select(
            QuestionnaireVersion.key,
            Response.id,
            Response.respondent_key,
            Response.municipality_id,
            Response.submitted_at,
            Response.is_demo,
            Answer.item_key,
            Answer.value,
        )
        .join(Response, Response.id == Answer.response_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(Response.respondent_key.is_not(None))
        .order_by(Response.id)
    )
    stale = delete(OccasionScore)
    if key is not None:
        query = query.where(QuestionnaireVersion.key == key)
        stale = stale.where(OccasionScore.questionnaire_key == key)
    changed(session)
    session.execute(stale)
    written = 0
    batch: list[dict] = []
    current: tuple | None = None
    values: dict[str, int | None] = {}

    def finish() -> None:
        nonlocal written
        if current is None:
            return
        questionnaire, occasion = current
        found = rules if rules is not None else stored_rules(session, questionnaire)
        batch.extend(occasion_rows(found, questionnaire, occasion, values))
        if len(batch) >= 5000:
            written += _flush(session, batch)

    answers = session.execute(query.execution_options(yield_per=20000))
    for questionnaire, rid, citizen, place, at, demo, item, value in answers:
        if current is None or current[1].id != rid:
            finish()
            current, values = (questionnaire, _Occasion(rid, citizen, place, at, demo)), {}
        values[item] = value
    finish()
    written += _flush(session, batch)
    if tally:
        rebuild_tally(session, key)
    return written


def _flush(session: Session, batch: list[dict]) -> int:
    if batch:
        session.execute(insert(OccasionScore), batch)
    written = len(batch)
    batch.clear()
    return written


def changed(session: Session) -> None:
    """Mark a change of the table (in the caller's transaction) with a new random token, so
    that a page computed from the rows is known to be current while the token stays the
    same (random, so that no other database or restored copy can ever have the same)."""
    token = uuid.uuid4().hex
    if not session.execute(update(OccasionGeneration).values(token=token)).rowcount:
        session.execute(insert(OccasionGeneration).values(id=1, token=token))


def generation(session: Session) -> str:
    """The token of the table's last change (read it before the rows, so that a page kept
    under it can only be newer than the token says, never older)."""
    return session.scalar(select(OccasionGeneration.token)) or ""


def ensure_current(session: Session, key: str, definition: QuestionnaireDef) -> Rules:
    """The rules of ``definition``, after recomputing the rows of ``key`` if any was computed
    under other rules (a version was stored since; storing one recomputes them already, see
    ``after_new_version``, so this is the safety net)."""
    rules = rules_of(definition)
    _recompute_if_stale(session, key, rules)
    return rules


def after_new_version(session: Session, key: str) -> None:
    """Recompute the rows of ``key`` under the merged definition including a version just
    stored (in the storing transaction), if its rules differ from those the rows hold."""
    session.flush()
    _recompute_if_stale(session, key, stored_rules(session, key))


def _recompute_if_stale(session: Session, key: str, rules: Rules) -> None:
    t = OccasionScore
    # "Other rules" as two ranges, so that the index on (questionnaire_key, rules) answers it
    # without reading the rows (none are stale, nearly always).
    other = or_(t.rules < rules.digest, t.rules > rules.digest)
    stale = session.scalar(select(t.response_id).where(t.questionnaire_key == key, other).limit(1))
    if stale is not None:
        rebuild_occasions(session, key, rules)
