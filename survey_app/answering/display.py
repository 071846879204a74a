"""What the question templates need to show an answer: values for input boxes, number hints,
the routing condition as JSON for the live show/hide script, and question numbers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import escape

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


# Blank link pages, rendered once per key (see blank_page). The slots stand where each request
# puts its own CSRF token and form address; they are random, so no page text can hold them.
CSRF_SLOT = "csrf-" + secrets.token_hex(16)
ACTION_SLOT = "/action-" + secrets.token_hex(16)
_blank_pages: dict[tuple, str] = {}
MAX_BLANK_PAGES = 256


def blank_page(key: tuple, render: Callable[[str, str], str], csrf_token: str, action: str) -> str:
    """A link page without answers, errors or notices: ``render(csrf_slot, action_slot)``
    once per ``key`` (everything else the page shows: version, language, wave title), kept
    with the slots in place of the CSRF token and the form's address, which are filled in
    (escaped) for every request. Nothing personal is ever kept."""
    page = _blank_pages.get(key)
    if page is None:
        page = render(CSRF_SLOT, ACTION_SLOT)
        if page.count(CSRF_SLOT) != 1 or page.count(ACTION_SLOT) != 1:
            raise ValueError("a blank link page must hold each slot exactly once")
        if len(_blank_pages) >= MAX_BLANK_PAGES:
            _blank_pages.clear()
        _blank_pages[key] = page
    return page.replace(CSRF_SLOT, escape(csrf_token)).replace(ACTION_SLOT, escape(action))
