"""Preview state without storage: answers read leniently from a posted form, the routing they
imply, and the tablet's position carried in the form itself (never in the database)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..instruments.conditions import visible_item_keys
from ..questionnaire_schema import Questionnaire

FIELD_PREFIX = "item-"


def preview_answers(q: Questionnaire, form: Mapping[str, str]) -> dict[str, Any]:
    """The answers in a posted preview form; values that are no answer are dropped (a preview
    refuses nothing and keeps nothing)."""
    answers: dict[str, Any] = {}
    for item in q.items:
        raw = (form.get(FIELD_PREFIX + item.key) or "").strip()
        if not raw:
            continue
        value = _value(q, item, raw)
        if value is not None:
            answers[item.key] = value
    return answers


def _value(q: Questionnaire, item, raw: str) -> Any:
    if item.type == "text":
        return raw[: item.text_limit()]
    if item.type == "number":
        try:
            number = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    scale = q.scale_for(item)
    if scale.non_substantive and raw == scale.non_substantive.key:
        return raw
    if raw.isascii() and raw.isdigit() and scale.option(int(raw)) is not None:
        return int(raw)
    return None


def encode_answers(answers: Mapping[str, Any]) -> str:
    """Answers as text for a hidden form field (numbers as plain decimal strings)."""
    return json.dumps({k: str(v) if isinstance(v, Decimal) else v for k, v in answers.items()})


def decode_answers(q: Questionnaire, text: str | None) -> dict[str, Any]:
    """The answers carried in a hidden form field; anything unreadable is dropped."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    form = {FIELD_PREFIX + str(k): str(v) for k, v in data.items() if isinstance(v, str | int)}
    return preview_answers(q, form)


@dataclass(frozen=True)
class TabletScreen:
    """Where the tablet preview is: a question (by position) or the review at the end."""

    position: int
    review: bool
    visible: list[str]


def tablet_move(
    q: Questionnaire, answers: Mapping[str, Any], position: int, move: str
) -> TabletScreen:
    """The screen after ``move`` (next/back/stay) from ``position``, skipping hidden items."""
    visible = visible_item_keys(q, answers)
    order = [i for i, item in enumerate(q.items) if item.key in visible]
    position = min(max(position, 0), len(q.items))
    if move == "next":
        later = [i for i in order if i > position]
        return TabletScreen(later[0] if later else len(q.items), not later, visible)
    if move == "back":
        earlier = [i for i in order if i < position]
        return TabletScreen(earlier[-1] if earlier else order[0], False, visible)
    if position >= len(q.items):
        return TabletScreen(len(q.items), True, visible)
    shown = [i for i in order if i >= position]
    return TabletScreen(shown[0] if shown else len(q.items), not shown, visible)
