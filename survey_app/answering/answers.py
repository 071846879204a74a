"""What one answer is, and how a posted value becomes one: the single rule for every item type.

An answer to an item is one of:

- ``int``: the code of a scale option;
- ``str``: a missing code (``ved_ikke``, the item's non-substantive option);
- ``OpenText``: the answer to a text item, stored as given;
- ``Decimal``: the answer to a number item.

Link pages, drafts, the tablet and the demo data all use these types, so a text answer can never
be taken for a missing code. This module is pure (no Flask app, no database); its messages are
Danish texts marked for translation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ..questionnaire_schema import Item, Questionnaire


@dataclass(frozen=True)
class OpenText:
    """The answer to a text item (kept apart from the missing codes, which are plain strings)."""

    text: str


AnswerValue = int | str | OpenText | Decimal

MAX_NUMBER_INPUT = 40  # characters: far beyond any number an item can accept
_NUMBER = re.compile(r"^(?P<sign>-?)(?P<whole>\d+)(?:[.,](?P<fraction>\d+))?$", re.ASCII)


class Forged(ValueError):
    """A value no form of ours can post (not an option, not a question of this version)."""


@dataclass(frozen=True)
class Refusal(ValueError):
    """A value a person can correct: the Danish message says what is wrong with which question."""

    message: str

    def __str__(self) -> str:
        return self.message


def question_name(item: Item) -> str:
    """How a message names the question: its Danish text, shortened, in quotes."""
    text = item.text.da
    return "„" + (text if len(text) <= 60 else text[:57].rstrip() + "…") + "“"


def number_text(value: Decimal, language: str = "da") -> str:
    """A number as written in ``language``: "2,5" in Danish, "2.5" in English."""
    shown = canonical_number(value)
    return shown.replace(".", ",") if language == "da" else shown


def canonical_number(value: Decimal) -> str:
    """A number in plain decimal notation without trailing zeros: "12", "2.5", "-0.25"."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def parse_scale(definition: Questionnaire, item: Item, raw: str) -> int | str:
    """An option code or the non-substantive key; Forged for anything else."""
    scale = definition.scale_for(item)
    if scale.non_substantive and raw == scale.non_substantive.key:
        return raw
    if raw.isascii() and raw.isdigit() and len(raw) < 6 and scale.option(int(raw)) is not None:
        return int(raw)
    raise Forged(f"'{raw[:40]}' is not an answer option of question '{item.key}'")


def parse_text(item: Item, raw: str) -> OpenText:
    """A text answer as given (the form's CRLF line breaks read as LF); Refusal when too long,
    when it holds control characters, or a line break in a one-line answer."""
    text = raw.replace("\r\n", "\n")
    name = question_name(item)
    if len(text) > item.text_limit():
        raise Refusal(
            _(
                "Svaret på %(question)s er for langt: højst %(limit)s tegn (du skrev %(length)s).",
                question=name,
                limit=item.text_limit(),
                length=len(text),
            )
        )
    if "\n" in text and not item.multiline:
        raise Refusal(_("Svaret på %(question)s skal stå på én linje.", question=name))
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise Refusal(
            _("Svaret på %(question)s indeholder et tegn, der ikke kan gemmes.", question=name)
        )
    return OpenText(text)


def parse_number(item: Item, raw: str) -> Decimal:
    """A number written with digits, an optional minus and one decimal point or comma ("2,5");
    Refusal for anything else (1e3, NaN, thousands separators), a fraction in a whole-number
    item, too many decimals, or a value outside the item's bounds."""
    fmt = item.number_format()
    name = question_name(item)
    match = _NUMBER.match(raw.strip()) if len(raw) <= MAX_NUMBER_INPUT else None
    if match is None:
        example = "12" if fmt.kind == "integer" else "2,5"
        raise Refusal(
            _(
                "Svaret på %(question)s skal være et tal skrevet med cifre, fx %(example)s "
                "(uden tusindtalsadskiller).",
                question=name,
                example=example,
            )
        )
    fraction = match.group("fraction") or ""
    value = Decimal(f"{match.group('sign')}{match.group('whole')}.{fraction or '0'}")
    if fmt.kind == "integer" and fraction.strip("0"):
        raise Refusal(_("Svaret på %(question)s skal være et helt tal.", question=name))
    places = len(fraction.rstrip("0"))
    if fmt.kind == "decimal" and fmt.decimals is not None and places > fmt.decimals:
        raise Refusal(
            ngettext(
                "Svaret på %(question)s må højst have %(num)s decimal.",
                "Svaret på %(question)s må højst have %(num)s decimaler.",
                fmt.decimals,
                question=name,
            )
        )
    too_low = fmt.min is not None and value < fmt.min
    too_high = fmt.max is not None and value > fmt.max
    if too_low or too_high:
        raise Refusal(
            _("Svaret på %(question)s skal være %(range)s.", question=name, range=range_text(item))
        )
    return Decimal(canonical_number(value))


def range_text(item: Item, language: str = "da") -> str:
    """The bounds of a number item in words ("mellem 1 og 24", "mindst 0"); empty without bounds."""
    fmt = item.number_format()
    low = number_text(fmt.min, language) if fmt.min is not None else None
    high = number_text(fmt.max, language) if fmt.max is not None else None
    if low is not None and high is not None:
        return _("mellem %(low)s og %(high)s", low=low, high=high)
    if low is not None:
        return _("mindst %(low)s", low=low)
    if high is not None:
        return _("højst %(high)s", high=high)
    return ""


def parse_value(definition: Questionnaire, item: Item, raw: str) -> AnswerValue | None:
    """The answer a posted field value gives ``item``; None when the field is left empty.

    Raises Forged for a value no form of ours offers, Refusal for one a person can correct.
    """
    if item.type == "text":
        return None if raw.strip() == "" else parse_text(item, raw)
    if raw.strip() == "":
        return None
    if item.type == "number":
        return parse_number(item, raw)
    return parse_scale(definition, item, raw)


def value_problem(definition: Questionnaire, item: Item, value: Any) -> str | None:
    """Why a stored value (e.g. from a draft) is not a valid answer to ``item``; None if it is."""
    try:
        if item.type == "text" and isinstance(value, OpenText):
            parse_text(item, value.text)
        elif item.type == "number" and isinstance(value, Decimal):
            parse_number(item, canonical_number(value))
        elif item.type == "scale" and isinstance(value, int | str) and not isinstance(value, bool):
            parse_scale(definition, item, str(value))
        else:
            return f"not an answer of a {item.type} item"
    except (Forged, Refusal) as exc:
        return str(exc)
    return None


def encode(answers: dict[str, AnswerValue]) -> dict[str, Any]:
    """Answers as JSON data for a draft: codes and missing keys as they are, a text as
    ``{"text": ...}``, a number as ``{"number": "2.5"}``."""
    encoded: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, OpenText):
            encoded[key] = {"text": value.text}
        elif isinstance(value, Decimal):
            encoded[key] = {"number": canonical_number(value)}
        else:
            encoded[key] = value
    return encoded


def decode(data: Any) -> dict[str, AnswerValue]:
    """Answers from a draft's JSON data (see ``encode``); what cannot be read is left out."""
    answers: dict[str, AnswerValue] = {}
    if not isinstance(data, dict):
        return answers
    for key, value in data.items():
        if isinstance(value, int | str) and not isinstance(value, bool):
            answers[key] = value
        elif isinstance(value, dict) and isinstance(value.get("text"), str):
            answers[key] = OpenText(value["text"])
        elif isinstance(value, dict) and isinstance(value.get("number"), str):
            match = _NUMBER.match(value["number"])
            if match:
                answers[key] = Decimal(value["number"].replace(",", "."))
    return answers


def for_conditions(answers: dict[str, AnswerValue]) -> dict[str, Any]:
    """Answers as ``show_if`` conditions read them: codes and numbers as they are, texts as
    strings; missing codes are left out (they are never substantive)."""
    seen: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, OpenText):
            seen[key] = value.text
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            seen[key] = value
    return seen
