"""Routing on the tablet, one question per screen: which screen comes next, which one
"Tilbage" returns to, and how far along the citizen is, counting only the questions shown.

A screen is the position of an item in the questionnaire; the position just past the last
item is the review screen. Hidden items never get a screen.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..answering.responses import AnswerValue, visible_items
from ..questionnaire_schema import Questionnaire


def shown_positions(definition: Questionnaire, answers: Mapping[str, AnswerValue]) -> list[int]:
    """The positions of the items shown for these answers, in order."""
    shown = set(visible_items(definition, answers))
    return [i for i, item in enumerate(definition.items) if item.key in shown]


def current_screen(
    definition: Questionnaire, answers: Mapping[str, AnswerValue], position: int
) -> int:
    """The screen to show at ``position``: itself if its item is shown (or it is the review),
    else the next shown item (an answer changed since, hiding the item)."""
    if position >= len(definition.items):
        return len(definition.items)
    return next((p for p in shown_positions(definition, answers) if p >= position),
                len(definition.items))  # fmt: skip


def next_screen(
    definition: Questionnaire, answers: Mapping[str, AnswerValue], position: int
) -> int:
    """The screen after ``position``: the next shown item, or the review."""
    return next((p for p in shown_positions(definition, answers) if p > position),
                len(definition.items))  # fmt: skip


def previous_screen(
    definition: Questionnaire, answers: Mapping[str, AnswerValue], position: int
) -> int:
    """The screen "Tilbage" goes to: the last shown item before ``position`` (the first
    screen stays where it is)."""
    earlier = [p for p in shown_positions(definition, answers) if p < position]
    return earlier[-1] if earlier else min(position, len(definition.items))


def progress(
    definition: Questionnaire, answers: Mapping[str, AnswerValue], position: int
) -> tuple[int, int]:
    """(number of this question among those shown, number of questions shown)."""
    shown = shown_positions(definition, answers)
    number = sum(1 for p in shown if p <= position)
    return max(number, 1), len(shown)
