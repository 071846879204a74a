"""What the question templates need to show an answer: values for input boxes, number hints,
the routing condition as JSON for the live show/hide script, and question numbers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup

from ..instruments.conditions import as_json, parse_condition
from ..questionnaire_schema import Item
from .answers import AnswerValue, OpenText, number_text, range_text


def answer_input_value(
    item: Item, answers: Mapping[str, AnswerValue], raw: Mapping[str, str] | None, lang: str
) -> str:
    """What a text or number box shows: what was typed (when the form came back with an
    error), else the saved answer (a number with a decimal comma on Danish pages)."""
    if raw and item.key in raw:
        return raw[item.key]
    value = answers.get(item.key)
    if isinstance(value, OpenText):
        return value.text
    if isinstance(value, Decimal):
        return number_text(value, lang)
    return ""


def number_hint(item: Item, lang: str) -> str:
    """The hint under a number box: whole number or decimal, and the bounds."""
    fmt = item.number_format()
    bounds = range_text(item, lang)
    if fmt.kind == "integer":
        text = _("Skriv et helt tal")
    else:
        text = _("Skriv et tal, fx %(example)s", example=number_text(Decimal("2.5"), lang))
    return f"{text} ({bounds})." if bounds else f"{text}."


def show_if_json(item: Item) -> str:
    """The item's ``show_if`` condition as JSON (for the ``data-show-if`` attribute)."""
    if item.show_if is None:
        return ""
    return json.dumps(as_json(parse_condition(item.show_if)), separators=(",", ":"))


def question_numbers(shown: list[str]) -> dict[str, int]:
    """The number each shown item has on the page (1, 2, ...), hidden items skipped."""
    return {key: number for number, key in enumerate(shown, start=1)}


def raw_open_values(items: list[Item], form: Mapping[str, str]) -> dict[str, str]:
    """What was typed into the text and number boxes of a posted form (to show it again)."""
    return {
        item.key: form.get("item-" + item.key, "")
        for item in items
        if item.is_open and ("item-" + item.key) in form
    }


# Rendered blank questions per (version fingerprint, language): a version never changes, so
# neither do they. Bounded so that many versions cannot grow it without limit.
_blank_questions: dict[tuple[str, str], Markup] = {}
MAX_BLANK_QUESTIONS = 256


def blank_questions(fingerprint: str, lang: str, render: Callable[[], str]) -> Markup:
    """The questions of a version as a link page shows them without answers, errors or
    notices, in ``lang``: ``render()`` once per (version, language), then kept.

    Only what is the same for every link may be kept: no answers, no CSRF token, no token.
    """
    key = (fingerprint, lang)
    html = _blank_questions.get(key)
    if html is None:
        if len(_blank_questions) >= MAX_BLANK_QUESTIONS:
            _blank_questions.clear()
        html = _blank_questions[key] = Markup(render())
    return html
