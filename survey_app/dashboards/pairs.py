"""Which waves of a questionnaire can be compared: any two whose versions share an item."""

from __future__ import annotations

from itertools import combinations

from sqlmodel import Session

from analysis.definitions import QuestionnaireDef

from ..models import Wave
from .counts import stored_definitions, waves_of


def shared_items(first: QuestionnaireDef, second: QuestionnaireDef) -> list[str]:
    """The items asked identically (same wording and scale) in both versions."""
    theirs = {item.key: item.signature() for item in second.items}
    return [item.key for item in first.items if theirs.get(item.key) == item.signature()]


def comparable_wave_pairs(session: Session, key: str) -> list[tuple[Wave, Wave]]:
    """Every pair of waves of questionnaire ``key``, the earlier first, whose versions share at
    least one identical item; ordered by when the waves opened."""
    definitions = stored_definitions(session, key)
    waves = waves_of(session, key)
    return [
        (a, b)
        for (a, version_a), (b, version_b) in combinations(waves, 2)
        if shared_items(definitions[version_a], definitions[version_b])
    ]
