"""The first occasions behind each domain's estimated reliability (Cronbach's alpha).

Alpha needs each citizen's item answers side by side. The occasion score table holds them per
occasion and domain (negative items reversed), so this reads only each citizen's first
occasion (by submission time, then response id) and hands ``analysis`` how many citizens
gave each complete pattern of codes, never a pseudonym. A citizen who left an item of the
domain without an option code is left out of that domain (listwise deletion).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from analysis.definitions import QuestionnaireDef
from analysis.reliability import DomainReliability, alpha_from_patterns, choose_reliability

from ..models import OccasionScore
from ..occasion_scores import ensure_current
from .counts import occasion_order


def first_occasion_patterns(
    session: Session, key: str, definition: QuestionnaireDef
) -> tuple[int, dict[str, Counter]]:
    """The number of citizens with a first occasion, and per domain how many of them answered
    every comparable item of the domain at their first occasion with each tuple of scores."""
    ensure_current(session, key, definition)
    t = OccasionScore
    rows = select(t.respondent_key, t.response_id, t.submitted_at, t.domain, t.size, t.answered,
                  t.codes).where(t.questionnaire_key == key).subquery()  # fmt: skip
    first = (
        func.dense_rank()
        .over(partition_by=rows.c.respondent_key, order_by=occasion_order(session, rows))
        .label("occasion")
    )
    ranked = select(rows, first).subquery()
    complete = (
        select(ranked.c.domain, ranked.c.codes, func.count())
        .where(ranked.c.occasion == 1, ranked.c.size > 0, ranked.c.answered == ranked.c.size)
        .group_by(ranked.c.domain, ranked.c.codes)
    )
    patterns: dict[str, Counter] = {}
    for domain, codes, n in session.execute(complete):
        patterns.setdefault(domain, Counter())[tuple(int(c) for c in codes.split(","))] += n
    citizens = session.scalar(
        select(func.count(func.distinct(t.respondent_key))).where(t.questionnaire_key == key)
    )
    return citizens, patterns


def estimated_reliabilities(
    session: Session, key: str, definition: QuestionnaireDef
) -> dict[str, DomainReliability]:
    """Per domain: alpha from the first occasions and the value the reliable change uses."""
    citizens, patterns = first_occasion_patterns(session, key, definition)
    result = {}
    for domain in definition.domains:
        items = [i for i in definition.domain_items(domain.key) if definition.is_comparable(i.key)]
        if not items:
            continue
        found = patterns.get(domain.key, Counter())
        estimate = alpha_from_patterns(found, len(items) if citizens else 0, citizens)
        result[domain.key] = choose_reliability(domain.key, estimate, domain.reliability)
    return result
