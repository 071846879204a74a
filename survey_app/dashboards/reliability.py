"""The first occasions behind each domain's estimated reliability (Cronbach's alpha).

Alpha needs each citizen's item answers side by side. The progression tally counts, per domain,
the citizens whose first occasion (by submission time, then response id) answered the domain in
full with each pattern of codes (negative items reversed); this hands ``analysis`` those counts,
never a pseudonym. A citizen who left an item of the
domain without an option code is left out of that domain (listwise deletion).
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session

from analysis.definitions import QuestionnaireDef
from analysis.reliability import DomainReliability, alpha_from_patterns, choose_reliability

from ..occasion_scores import ensure_current
from ..progression_tally import read_tally


def first_occasion_patterns(
    session: Session, key: str, definition: QuestionnaireDef
) -> tuple[int, dict[str, Counter]]:
    """The number of citizens with a first occasion, and per domain how many of them answered
    every comparable item of the domain at their first occasion with each tuple of scores."""
    ensure_current(session, key, definition)
    citizens, patterns = 0, {}
    for kind, domain, *_, codes, n in read_tally(session, key, ("pattern", "citizen")):
        if kind == "citizen":
            citizens += n
            continue
        patterns.setdefault(domain, Counter())[tuple(int(c) for c in codes.split(","))] += n
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
