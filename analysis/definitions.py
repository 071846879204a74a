"""Questionnaire definitions as analysis needs them, read straight from the YAML files.

Only what the statistics and plots use is kept: per item its scale type, option codes and
Danish labels, polarity and domain; per domain its label and reliability. Open items (``type:
text`` or ``number``) are kept apart in ``open_items``: they enter no statistic, but their
answers can be listed. Every other field of the file (``show_if`` among them) is ignored.
The authoritative schema lives in the app; this reader is deliberately
independent of it so that ``analysis`` never imports the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

SCALE_TYPES = ("ordinal", "yes_no", "nominal")
OPEN_TYPES = ("text", "number")
POLARITIES = ("positive", "negative", "neutral")


class DefinitionError(Exception):
    """A questionnaire definition is missing or cannot be used by the analysis."""


def _danish(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, dict) and isinstance(text.get("da"), str):
        return text["da"]
    return ""


@dataclass(frozen=True)
class ItemDef:
    """One item: its scale (type, codes 1..n with Danish labels), polarity and domain."""

    key: str
    text: str
    scale_type: str
    labels: tuple[str, ...]
    polarity: str = "positive"
    domain: str | None = None
    non_substantive_label: str = "Ved ikke"

    @property
    def codes(self) -> tuple[int, ...]:
        """The option codes 1..n in order."""
        return tuple(range(1, len(self.labels) + 1))

    @property
    def n_options(self) -> int:
        """The number of substantive options."""
        return len(self.labels)

    @property
    def yes_code(self) -> int:
        """For a yes/no item the code meaning yes: the option labelled "Ja...", else code 1."""
        for code, label in enumerate(self.labels, start=1):
            if label.strip().lower().startswith("ja"):
                return code
        return 1

    def signature(self) -> tuple:
        """What a respondent sees; items are comparable across versions only if equal."""
        return (self.text, self.scale_type, self.labels, self.polarity)


@dataclass(frozen=True)
class OpenItemDef:
    """An open item: free text (``kind`` "text") or a number (``kind`` "number"). Its answers
    are in the export's ``value`` column with ``label`` empty; ``identifying`` marks text
    that may identify people."""

    key: str
    text: str
    kind: str
    identifying: bool = False

    def signature(self) -> tuple:
        """What a respondent sees (the text and the kind of answer asked for)."""
        return (self.text, self.kind)


@dataclass(frozen=True)
class DomainDef:
    """One domain of a progression questionnaire with its reliability (None if not given)."""

    key: str
    label: str
    reliability: float | None = None


@dataclass(frozen=True)
class QuestionnaireDef:
    """One questionnaire version: its closed items in file order, its domains and its open
    items (text and number, which no statistic uses)."""

    key: str
    version: int
    title: str
    items: tuple[ItemDef, ...]
    domains: tuple[DomainDef, ...] = ()
    comparable: dict[str, bool] = field(default_factory=dict, compare=False)
    open_items: tuple[OpenItemDef, ...] = ()

    def item(self, key: str) -> ItemDef | None:
        """The closed item with ``key`` or None."""
        return next((i for i in self.items if i.key == key), None)

    def open_item(self, key: str) -> OpenItemDef | None:
        """The open (text or number) item with ``key`` or None."""
        return next((i for i in self.open_items if i.key == key), None)

    def domain(self, key: str) -> DomainDef | None:
        """The domain with ``key`` or None."""
        return next((d for d in self.domains if d.key == key), None)

    def domain_items(self, key: str) -> tuple[ItemDef, ...]:
        """The ordinal items that make up domain ``key`` (nominal and yes/no items never do)."""
        return tuple(i for i in self.items if i.domain == key and i.scale_type == "ordinal")

    def is_comparable(self, item_key: str) -> bool:
        """False when the item's wording or scale differs between the versions in the data."""
        return self.comparable.get(item_key, True)


def definition_from_mapping(data: Any, source: str = "<definition>") -> QuestionnaireDef:
    """Build a definition from the parsed YAML (or the app's stored JSON) of one version."""
    if not isinstance(data, dict):
        raise DefinitionError(f"{source}: expected a mapping at the top level")
    try:
        scales = {}
        for scale in data.get("scales") or []:
            options = sorted(scale.get("options") or [], key=lambda o: int(o["code"]))
            codes = [int(o["code"]) for o in options]
            if codes != list(range(1, len(codes) + 1)):
                raise DefinitionError(
                    f"{source}: scale '{scale.get('key')}': option codes must be 1..n, "
                    f"found {codes}"
                )
            scale_type = scale.get("type", "ordinal")
            if scale_type not in SCALE_TYPES:
                raise DefinitionError(f"{source}: scale '{scale.get('key')}': type {scale_type!r}")
            ns = scale.get("non_substantive") or {}
            scales[scale["key"]] = (
                scale_type,
                tuple(_danish(o.get("label")) for o in options),
                _danish(ns.get("label")) or "Ved ikke",
            )
        domains = tuple(
            DomainDef(
                key=d["key"],
                label=_danish(d.get("label")) or d["key"],
                reliability=_reliability(d.get("reliability"), source, d["key"]),
            )
            for d in data.get("domains") or []
        )
        items, open_items = [], []
        for item in data.get("items") or []:
            kind = item.get("type", "scale")
            if kind in OPEN_TYPES:
                open_items.append(_open_item(item, kind))
                continue
            if kind != "scale":
                raise DefinitionError(f"{source}: item '{item.get('key')}': type {kind!r}")
            if item.get("scale") not in scales:
                raise DefinitionError(
                    f"{source}: item '{item.get('key')}': unknown scale {item.get('scale')!r}"
                )
            scale_type, labels, ns_label = scales[item["scale"]]
            polarity = item.get("polarity", "positive")
            if polarity not in POLARITIES:
                raise DefinitionError(f"{source}: item '{item['key']}': polarity {polarity!r}")
            items.append(
                ItemDef(
                    key=item["key"],
                    text=_danish(item.get("text")) or item["key"],
                    scale_type=scale_type,
                    labels=labels,
                    polarity=polarity,
                    domain=item.get("domain"),
                    non_substantive_label=ns_label,
                )
            )
        return QuestionnaireDef(
            key=str(data["key"]),
            version=int(data["version"]),
            title=_danish(data.get("title")) or str(data["key"]),
            items=tuple(items),
            domains=domains,
            open_items=tuple(open_items),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DefinitionError(f"{source}: cannot be read: {exc!r}") from exc


def _open_item(item: dict, kind: str) -> OpenItemDef:
    """An open item; text items may identify people unless marked ``identifying: false``."""
    identifying = kind == "text" and item.get("identifying", True) is not False
    return OpenItemDef(item["key"], _danish(item.get("text")) or item["key"], kind, identifying)


def _reliability(value: Any, source: str, key: str) -> float | None:
    if value is None:
        return None
    r = float(value)
    if not 0 < r < 1:
        raise DefinitionError(f"{source}: domain '{key}': reliability must be in (0, 1)")
    return r


_FILE_NAME = re.compile(r"^(?P<key>.+)\.v(?P<version>\d+)\.ya?ml$")


def load_definitions(directory: str | Path, key: str) -> dict[int, QuestionnaireDef]:
    """All versions of questionnaire ``key`` in ``directory`` (``KEY.vN.yaml``), by version."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DefinitionError(f"{directory}: the questionnaire directory does not exist")
    found: dict[int, QuestionnaireDef] = {}
    for path in sorted(directory.iterdir()):
        match = _FILE_NAME.match(path.name)
        if not match or match["key"] != key:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DefinitionError(f"{path}: cannot be read: {exc}") from exc
        definition = definition_from_mapping(data, str(path))
        found[definition.version] = definition
    if not found:
        raise DefinitionError(f"{directory}: no definition of questionnaire '{key}' (KEY.vN.yaml)")
    return found


def merge_versions(
    definitions: dict[int, QuestionnaireDef], versions: set[int]
) -> QuestionnaireDef:
    """One definition covering ``versions``: the newest version's items first, then items only
    older versions had; an item whose wording or scale differs between the versions is marked
    not comparable."""
    missing = sorted(v for v in versions if v not in definitions)
    if missing:
        raise DefinitionError(f"no definition for version(s) {missing} of the questionnaire")
    used = sorted(versions) or [max(definitions)]
    newest = definitions[used[-1]]
    items: dict[str, ItemDef] = {}
    signatures: dict[str, set] = {}
    for version in reversed(used):
        for item in definitions[version].items:
            items.setdefault(item.key, item)
            signatures.setdefault(item.key, set()).add(item.signature())
    domains: dict[str, DomainDef] = {}
    open_items: dict[str, OpenItemDef] = {}
    for version in reversed(used):
        for domain in definitions[version].domains:
            domains.setdefault(domain.key, domain)
        for open_item in definitions[version].open_items:
            known = open_items.setdefault(open_item.key, open_item)
            if open_item.identifying and not known.identifying:  # identifying in any version
                open_items[open_item.key] = replace(known, identifying=True)
            signatures.setdefault(open_item.key, set()).add(open_item.signature())
    return QuestionnaireDef(
        key=newest.key,
        version=newest.version,
        title=newest.title,
        items=tuple(items.values()),
        domains=tuple(domains.values()),
        comparable={k: len(s) == 1 for k, s in signatures.items()},
        open_items=tuple(open_items.values()),
    )
