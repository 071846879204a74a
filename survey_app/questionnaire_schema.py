"""The questionnaire file format: parsing, validation, fingerprints and version comparison.

A questionnaire version is one YAML file in ``questionnaires/`` named ``KEY.vVERSION.yaml``.
This module is pure (no Flask, no database) so the CLI, the app and tests can all use it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_serializer,
    model_validator,
)

from .instruments.conditions import condition_errors

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
QUESTIONNAIRE_KEY_PATTERN = r"^[a-z][a-z0-9-]*$"
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
# Scripts written right to left: pages in these languages get dir="rtl".
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "ps", "ckb"})

# The missing codes an answer can carry instead of a value: "Ved ikke" (the item's
# non-substantive option), skipped, and not asked because routing hid the item.
MISSING_CODES = ("ved_ikke", "ubesvaret", "ikke_relevant")
DEFAULT_TEXT_MAX_LENGTH = 2000


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key repeated in one mapping instead of keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key '{key}'",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OmitsNewDefaults(_Strict):
    """A model whose fields added after version 1 of the format leave the canonical form when
    they hold their default, so that the fingerprint of every file written before them stays
    as it was (a stored version must never appear to change)."""

    added_fields: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_new_defaults(self, handler):
        data = handler(self)
        for name in self.added_fields:
            if name in data and getattr(self, name) == type(self).model_fields[name].default:
                del data[name]
        return data


def _text_from_plain_string(value: Any) -> Any:
    return {"da": value} if isinstance(value, str) else value


class Text(BaseModel):
    """A text in Danish (required) with an optional English version and optionally further
    languages under their ISO 639 codes (``ar``, ``so``, ``ti``, ``uk``, ``fa`` ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    da: str = Field(min_length=1)
    en: str | None = None

    @model_validator(mode="after")
    def _further_languages_are_texts(self) -> Text:
        for code, value in (self.model_extra or {}).items():
            if not LANGUAGE_PATTERN.match(code):
                raise ValueError(f"'{code}' is not a language code (two or three letters a-z)")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"the '{code}' text must be a non-empty string")
        return self

    def get(self, language: str) -> str:
        """The text in ``language``, falling back to Danish."""
        if language == "en":
            return self.en or self.da
        return (self.model_extra or {}).get(language) or self.da

    def languages(self) -> list[str]:
        """The languages this text is written in, Danish first."""
        return ["da", *(["en"] if self.en else []), *sorted(self.model_extra or {})]


LocalText = Annotated[Text, BeforeValidator(_text_from_plain_string)]


class Option(_OmitsNewDefaults):
    """One answer option. ``name`` keeps the text choice name of an option imported from an
    XLSForm (``yes``, ``no``) so that the codebook can show it; codes are always 1..n."""

    added_fields: ClassVar[tuple[str, ...]] = ("name",)

    code: int = Field(ge=1)
    label: LocalText
    name: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", max_length=64)


class NonSubstantiveOption(_Strict):
    """An answer such as "Ved ikke": stored as the missing code ``ved_ikke``, never as a number.

    The export knows exactly two missing codes (``ved_ikke`` and ``ubesvaret``), so the key is
    fixed; the label may say something else, e.g. "Ikke relevant".
    """

    key: Literal["ved_ikke"] = "ved_ikke"
    label: LocalText


class Scale(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    type: Literal["ordinal", "yes_no", "nominal"] = "ordinal"
    options: list[Option]
    non_substantive: NonSubstantiveOption | None = None

    def option(self, code: int) -> Option | None:
        """The option with ``code``, or None."""
        return next((o for o in self.options if o.code == code), None)


class Domain(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    label: LocalText
    reliability: float | None = Field(default=None, gt=0, lt=1)


class NumberFormat(_Strict):
    """What a number item accepts: whole or decimal numbers within optional bounds."""

    kind: Literal["integer", "decimal"] = "integer"
    min: Decimal | None = None
    max: Decimal | None = None
    decimals: int | None = Field(default=None, ge=1, le=6)
    unit: LocalText | None = None


class Item(_OmitsNewDefaults):
    """One question: a closed scale (``type: scale``), an open text or a number.

    ``show_if`` routes the item (instruments/conditions.py); a hidden item is stored with the
    missing code ``ikke_relevant``. ``identifying`` marks an open text answer that may name or
    describe people: it is shown to evaluators only and left out of aggregate downloads.
    """

    added_fields: ClassVar[tuple[str, ...]] = (
        "type",
        "show_if",
        "multiline",
        "max_length",
        "identifying",
        "number",
    )

    key: str = Field(pattern=KEY_PATTERN)
    type: Literal["scale", "text", "number"] = "scale"
    text: LocalText
    help: LocalText | None = None
    scale: str | None = None
    required: bool = True
    polarity: Literal["positive", "negative", "neutral"] = "positive"
    domain: str | None = None
    show_if: str | None = None
    multiline: bool = False
    max_length: int | None = Field(default=None, ge=1, le=20000)
    identifying: bool = True
    number: NumberFormat | None = None

    @property
    def is_open(self) -> bool:
        """Whether the answer is free text or a number rather than an option code."""
        return self.type != "scale"

    def text_limit(self) -> int:
        """The longest text answer accepted for a text item."""
        return self.max_length or DEFAULT_TEXT_MAX_LENGTH

    def number_format(self) -> NumberFormat:
        """The number format of a number item (whole numbers without bounds by default)."""
        return self.number or NumberFormat()


class Questionnaire(_Strict):
    """One immutable version of a questionnaire."""

    key: str = Field(pattern=QUESTIONNAIRE_KEY_PATTERN)
    version: int = Field(ge=1)
    title: LocalText
    trial: LocalText | None = None
    audience: Literal["caseworker", "citizen"]
    anonymous: bool
    repeated: bool = False
    intro: LocalText | None = None
    scales: list[Scale]
    domains: list[Domain] = []
    items: list[Item]

    def scale_for(self, item: Item) -> Scale:
        """The scale a scale item is answered on (text and number items have none)."""
        return next(s for s in self.scales if s.key == item.scale)

    def languages(self) -> list[str]:
        """The languages the whole questionnaire can be shown in: Danish, and every other
        language in which the title, the intro, every item text and every option label exist."""
        texts = [self.title, *([self.intro] if self.intro else [])]
        texts += [i.text for i in self.items] + [o.label for s in self.scales for o in s.options]
        texts += [s.non_substantive.label for s in self.scales if s.non_substantive]
        common = set(texts[0].languages())
        for text in texts[1:]:
            common &= set(text.languages())
        return ["da", *sorted(common - {"da"}, key=lambda code: (code != "en", code))]

    def item(self, key: str) -> Item | None:
        """The item with ``key``, or None."""
        return next((i for i in self.items if i.key == key), None)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical content: layout, comments and key order do not count."""
        return hashlib.sha256(canonical_json(self).encode()).hexdigest()


def canonical_json(questionnaire: Questionnaire) -> str:
    """The definition as canonical JSON (sorted keys, no whitespace), as stored in the database."""
    return json.dumps(questionnaire.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


class QuestionnaireError(Exception):
    """A questionnaire file is broken; ``messages`` name the file and the offending field."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


def _location(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            parts.append(f"[{step}]")
            key = node[step].get("key") if _indexable(node, step) else None
            if key:
                parts.append(f"(key '{key}')")
        else:
            parts.append(f".{step}" if parts else str(step))
        node = _child(node, step)
    return "".join(parts) or "(top level)"


def _indexable(node: Any, step: int) -> bool:
    return isinstance(node, list) and 0 <= step < len(node) and isinstance(node[step], dict)


def _child(node: Any, step: Any) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def _cross_reference_errors(q: Questionnaire) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []

    def duplicates(keys: list[str]) -> set[str]:
        return {k for k in keys if keys.count(k) > 1}

    for key in sorted(duplicates([s.key for s in q.scales])):
        errors.append(("scales", f"duplicate scale key '{key}'"))
    for i, scale in enumerate(q.scales):
        where = f"scales[{i}](key '{scale.key}').options"
        if not scale.options:
            errors.append((where, "the scale is empty; it needs at least one option"))
            continue
        codes = [o.code for o in scale.options]
        for code in sorted(duplicates(codes)):
            errors.append((where, f"duplicate option code {code}"))
        if not duplicates(codes) and codes != list(range(1, len(codes) + 1)):
            errors.append((where, f"option codes must be 1, 2, 3 ... in order; found {codes}"))
        if scale.type == "yes_no" and len(scale.options) != 2:
            errors.append((where, "a yes_no scale has exactly two options"))
    for key in sorted(duplicates([d.key for d in q.domains])):
        errors.append(("domains", f"duplicate domain key '{key}'"))
    for key in sorted(duplicates([i.key for i in q.items])):
        errors.append(("items", f"duplicate item key '{key}'"))
    scale_keys = {s.key for s in q.scales}
    domain_keys = {d.key for d in q.domains}
    for i, item in enumerate(q.items):
        where = f"items[{i}](key '{item.key}')"
        errors.extend((f"{where}.{field}", msg) for field, msg in _item_type_errors(item))
        if item.type == "scale" and item.scale is not None and item.scale not in scale_keys:
            known = ", ".join(sorted(scale_keys)) or "none"
            errors.append((f"{where}.scale", f"unknown scale '{item.scale}' (defined: {known})"))
        if item.domain is not None and item.domain not in domain_keys:
            known = ", ".join(sorted(domain_keys)) or "none"
            errors.append((f"{where}.domain", f"unknown domain '{item.domain}' (defined: {known})"))
        if not any(field == f"{where}.scale" for field, _ in errors):
            errors.extend((f"{where}.show_if", msg) for msg in condition_errors(q, i))
    if not q.items:
        errors.append(("items", "a questionnaire needs at least one item"))
    return errors


def _item_type_errors(item: Item) -> list[tuple[str, str]]:
    """Fields that do not belong to the item's type, or that its type needs."""
    errors: list[tuple[str, str]] = []
    if item.type == "scale" and item.scale is None:
        errors.append(("scale", "a scale item needs a scale"))
    if item.type != "scale":
        if item.scale is not None:
            errors.append(("scale", f"a {item.type} item has no scale"))
        if item.domain is not None:
            errors.append(("domain", f"a {item.type} item cannot belong to a domain"))
        if item.polarity != "positive":
            errors.append(("polarity", f"a {item.type} item has no polarity"))
    if item.type != "text":
        for field in ("multiline", "max_length", "identifying"):
            if field in item.model_fields_set:
                errors.append((field, f"only a text item has '{field}'"))
    if item.type != "number" and item.number is not None:
        errors.append(("number", "only a number item has a number format"))
    if item.type == "number" and item.number is not None:
        fmt = item.number
        if fmt.min is not None and fmt.max is not None and fmt.min > fmt.max:
            errors.append(("number", f"min {fmt.min} is greater than max {fmt.max}"))
        if fmt.kind == "integer" and fmt.decimals is not None:
            errors.append(("number.decimals", "an integer has no decimals"))
        for bound in ("min", "max"):
            value = getattr(fmt, bound)
            if fmt.kind == "integer" and value is not None and value != value.to_integral_value():
                errors.append((f"number.{bound}", "an integer item needs a whole-number bound"))
    return errors


def parse_questionnaire(text: str, source: str = "<string>") -> Questionnaire:
    """Parse and validate a questionnaire file's text; raise QuestionnaireError naming the field."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireError([f"{source}:{where}: YAML syntax error: {problem}"]) from exc
    if not isinstance(data, dict):
        raise QuestionnaireError([f"{source}: (top level): expected a mapping of fields"])
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            messages.append(f"{source}: {_location(err['loc'], data)}: {msg}")
        raise QuestionnaireError(messages) from exc
    errors = _cross_reference_errors(questionnaire)
    if errors:
        raise QuestionnaireError([f"{source}: {where}: {msg}" for where, msg in errors])
    return questionnaire


def load_file(path: Path) -> Questionnaire:
    """Read and validate one questionnaire file; its name must be ``KEY.vVERSION.yaml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireError([f"{path}: cannot be read: {exc}"]) from exc
    questionnaire = parse_questionnaire(text, str(path))
    expected = f"{questionnaire.key}.v{questionnaire.version}"
    if path.name.rsplit(".", 1)[0] != expected:
        raise QuestionnaireError(
            [
                f"{path}: key/version: the file for key '{questionnaire.key}' version "
                f"{questionnaire.version} must be named {expected}.yaml"
            ]
        )
    return questionnaire


def questionnaire_files(directory: Path) -> list[Path]:
    """The questionnaire files in a directory, in name order."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_directory(directory: Path) -> tuple[list[Questionnaire], list[str]]:
    """Load every file in ``directory``; return the valid questionnaires and all error messages."""
    found: list[Questionnaire] = []
    messages: list[str] = []
    if not directory.is_dir():
        return [], [f"{directory}: not a directory"]
    seen: dict[tuple[str, int], Path] = {}
    for path in questionnaire_files(directory):
        try:
            q = load_file(path)
        except QuestionnaireError as exc:
            messages.extend(exc.messages)
            continue
        if (q.key, q.version) in seen:
            messages.append(f"{path}: key/version: also defined in {seen[(q.key, q.version)]}")
            continue
        seen[(q.key, q.version)] = path
        found.append(q)
    return found, messages


@dataclass(frozen=True)
class ItemComparison:
    """Which items two consecutive versions share unchanged, and which differ."""

    identical: list[str]
    changed: list[str]
    added: list[str]
    removed: list[str]


def item_signature(q: Questionnaire, item: Item) -> str:
    """Everything that decides what an item's answers mean: its text, help, options (or its
    open-answer format) and when it is asked. Two items with the same signature are comparable."""
    signature = {
        "text": item.text.model_dump(),
        "help": item.help.model_dump() if item.help else None,
        "scale": q.scale_for(item).model_dump(exclude={"key"}) if item.type == "scale" else None,
        "polarity": item.polarity,
    }
    # Added only when set, so that version-1 items keep the signature they always had.
    if item.type != "scale":
        signature["type"] = item.type
        signature["format"] = item.model_dump(
            mode="json", include={"multiline", "max_length", "number"}
        )
    if item.show_if is not None:
        signature["show_if"] = item.show_if
    return json.dumps(signature, sort_keys=True)


# What ``item_differences`` reports, in this order: signature part -> its name in the CLI output.
SIGNATURE_PARTS = {
    "text": "text",
    "help": "help",
    "type": "type",
    "scale": "options",
    "format": "format",
    "polarity": "polarity",
    "show_if": "show_if",
}


def item_differences(old: Questionnaire, new: Questionnaire, key: str) -> list[str]:
    """Which parts of item ``key``'s signature differ between two versions (text, help, type,
    options, format, polarity, show_if); empty when the item is comparable."""
    before = json.loads(item_signature(old, old.item(key)))
    after = json.loads(item_signature(new, new.item(key)))
    return [name for part, name in SIGNATURE_PARTS.items() if before.get(part) != after.get(part)]


def compare_versions(old: Questionnaire, new: Questionnaire) -> ItemComparison:
    """Compare two versions item by item; only identical items may be compared across waves."""
    old_items = {i.key: item_signature(old, i) for i in old.items}
    new_items = {i.key: item_signature(new, i) for i in new.items}
    shared = [k for k in new_items if k in old_items]
    return ItemComparison(
        identical=[k for k in shared if old_items[k] == new_items[k]],
        changed=[k for k in shared if old_items[k] != new_items[k]],
        added=[k for k in new_items if k not in old_items],
        removed=[k for k in old_items if k not in new_items],
    )


def _item_note(q: Questionnaire, key: str, prefix: str = "") -> str:
    """An item's type and routing for the version listing, e.g. `` (text, shown if x == 1)``."""
    item = q.item(key)
    parts = [item.type] if item.type != "scale" else []
    if item.show_if:
        parts.append(f"shown if {item.show_if}")
    return f" ({prefix}{', '.join(parts)})" if parts else ""


def comparison_lines(
    old: Questionnaire, new: Questionnaire, comparison: ItemComparison
) -> list[str]:
    """The lines `survey-app versions` prints for one pair of versions: which items stay
    comparable, and for each changed item what changed."""

    def listed(keys: list[str]) -> str:
        return ", ".join(keys) or "-"

    lines = [
        f"  identical (comparable across waves): {listed(comparison.identical)}",
        f"  changed (not comparable): {listed(comparison.changed)}",
    ]
    for key in comparison.changed:
        what = ", ".join(item_differences(old, new, key))
        lines.append(f"    {key}: {what} changed{_item_note(new, key, f'v{new.version}: ')}")
    lines.append(f"  added: {listed([k + _item_note(new, k) for k in comparison.added])}")
    lines.append(f"  removed: {listed([k + _item_note(old, k) for k in comparison.removed])}")
    return lines
