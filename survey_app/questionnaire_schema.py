"""The questionnaire file format: parsing, validation, fingerprints and version comparison.

A questionnaire version is one YAML file in ``questionnaires/`` named ``KEY.vVERSION.yaml``.
This module is pure (no Flask, no database) so the CLI, the app and tests can all use it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
QUESTIONNAIRE_KEY_PATTERN = r"^[a-z][a-z0-9-]*$"


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


def _text_from_plain_string(value: Any) -> Any:
    return {"da": value} if isinstance(value, str) else value


class Text(_Strict):
    """A text in Danish (required) with an optional English version."""

    da: str = Field(min_length=1)
    en: str | None = None

    def get(self, language: str) -> str:
        """The text in ``language``, falling back to Danish."""
        return (self.en if language == "en" else None) or self.da


LocalText = Annotated[Text, BeforeValidator(_text_from_plain_string)]


class Option(_Strict):
    code: int = Field(ge=1)
    label: LocalText


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


class Item(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    text: LocalText
    help: LocalText | None = None
    scale: str
    required: bool = True
    polarity: Literal["positive", "negative", "neutral"] = "positive"
    domain: str | None = None


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
        """The scale an item is answered on."""
        return next(s for s in self.scales if s.key == item.scale)

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
        if item.scale not in scale_keys:
            known = ", ".join(sorted(scale_keys)) or "none"
            errors.append((f"{where}.scale", f"unknown scale '{item.scale}' (defined: {known})"))
        if item.domain is not None and item.domain not in domain_keys:
            known = ", ".join(sorted(domain_keys)) or "none"
            errors.append((f"{where}.domain", f"unknown domain '{item.domain}' (defined: {known})"))
    if not q.items:
        errors.append(("items", "a questionnaire needs at least one item"))
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
    """Everything a respondent sees of an item: text, help and its scale's options."""
    scale = q.scale_for(item)
    return json.dumps(
        {
            "text": item.text.model_dump(),
            "help": item.help.model_dump() if item.help else None,
            "scale": scale.model_dump(exclude={"key"}),
            "polarity": item.polarity,
        },
        sort_keys=True,
    )


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
