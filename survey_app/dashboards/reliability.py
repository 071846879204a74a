"""The first occasions behind each domain's estimated reliability (Cronbach's alpha).

Alpha needs each citizen's item answers side by side, so this hands ``analysis`` one row of
option codes per citizen (their first response) without the pseudonym; missing codes come as
None, so that ``analysis`` leaves the citizen out of that domain (listwise deletion).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from analysis.definitions import QuestionnaireDef
from analysis.progression import domain_reliabilities
from analysis.reliability import DomainReliability

from ..models import Answer, QuestionnaireVersion, Response


def first_occasion_values(
    session: Session, key: str, definition: QuestionnaireDef
) -> list[dict[str, int | None]]:
    """The domain items' option codes of every citizen's first response to ``key`` (by
    submission time, then response id), one mapping per citizen, None for a missing code."""
    items = [
        i.key for d in definition.domains for i in definition.domain_items(d.key)
    ]  # fmt: skip
    if not items:
        return []
    query = (
        select(
            Response.respondent_key,
            Response.submitted_at,
            Response.id,
            Answer.item_key,
            Answer.value,
        )  # fmt: skip
        .join(Answer, Answer.response_id == Response.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(
            QuestionnaireVersion.key == key,
            Response.respondent_key.is_not(None),
            Answer.item_key.in_(items),
        )
    )
    firsts: dict[str, tuple] = {}
    values: dict[tuple, dict[str, int | None]] = {}
    for citizen, at, response_id, item, value in session.execute(query):
        occasion = (at, response_id)
        if citizen not in firsts or occasion < firsts[citizen]:
            firsts[citizen] = occasion
        values.setdefault(occasion, {})[item] = value
    return [values[occasion] for occasion in firsts.values()]


def estimated_reliabilities(
    session: Session, key: str, definition: QuestionnaireDef
) -> dict[str, DomainReliability]:
    """Per domain: alpha from the first occasions and the value the reliable change uses."""
    return domain_reliabilities(first_occasion_values(session, key, definition), definition)
