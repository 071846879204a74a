"""XLSForm ⇄ questionnaire YAML: import an evaluator's spreadsheet, export a stored version.

pyxform (the ODK reference implementation) reads the workbook, normalises header spellings
(``label:english``, ``list name``, ``select one from``) and checks the form as an XLSForm; this
module then maps the supported subset onto our schema and refuses everything else naming
``sheet:row:column``. What our schema has beyond XLSForm travels in ``survey_app_*`` columns
and a ``survey_app_domains`` sheet, which pyxform ignores. Pure: no Flask, no database.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from pyxform import aliases
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import dealias_and_group_headers
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from ..questionnaire_schema import (
    KEY_PATTERN,
    Questionnaire,
    QuestionnaireError,
    parse_questionnaire,
)
from .xlsform_expressions import (
    ExpressionError,
    Reference,
    bounds_to_constraint,
    constraint_to_bounds,
    constraint_to_max_length,
    relevant_to_show_if,
    show_if_to_relevant,
)

EXTRA = "survey_app_"
DOMAIN_SHEET = "survey_app_domains"
INTRO_NAME = "intro"
NON_SUBSTANTIVE_NAME = "ved_ikke"
LANGUAGE_NAMES = {"dansk": "da", "danish": "da", "english": "en", "engelsk": "en"}
LANGUAGE_TITLES = {"da": "Dansk", "en": "English"}
QUESTION_TYPES = {"integer": "number", "decimal": "number", "text": "text"}
SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint"}
SURVEY_EXTRAS = {
    "polarity",
    "domain",
    "show_if",
    "identifying",
    "decimals",
    "unit",
}
SETTINGS_COLUMNS = {"form_title", "form_id", "version", "audience", "anonymous"}
SETTINGS_EXTRAS = {"title", "trial", "repeated"}
_SELECT = re.compile(r"^(?P<kind>.+?)\s+(?P<list>[A-Za-z_][A-Za-z0-9_.-]*)(?P<other>\s+or_other)?$")
_LANGUAGE = re.compile(r"\(([a-z]{2,3})\)\s*$")


class XLSFormError(Exception):
    """The workbook cannot become a questionnaire; ``messages`` name sheet:row:column."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class ImportResult:
    """A questionnaire read from an XLSForm, its YAML text and the warnings on the way."""

    questionnaire: Questionnaire
    yaml_text: str
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- import


def _yes(value: Any, where: str, errors: list[str], default: bool) -> bool:
    if value in (None, ""):
        return default
    found = aliases.yes_no.get(str(value).strip())
    if found is None:
        errors.append(f"{where}: '{value}' is not yes/no (true()/false() and expressions refused)")
        return default
    return found


class _Reader:
    """One pass over the normalised sheets, collecting the questionnaire data and errors."""

    def __init__(self, workbook, key: str, version: int):
        self.workbook = workbook
        self.key = key
        self.version = version
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.languages: dict[str, str] = {}  # pyxform language name → our code

    # -- languages and texts
    def language(self, name: str, where: str) -> str | None:
        if name in self.languages:
            return self.languages[name]
        match = _LANGUAGE.search(name)
        code = match.group(1) if match else LANGUAGE_NAMES.get(name.strip().casefold())
        if code is None:
            self.errors.append(
                f"{where}: language '{name}' has no code; write it as 'Name (xx)', e.g. "
                "'label::Dansk (da)'"
            )
        self.languages[name] = code or "da"
        return code

    def text(self, value: Any, where: str) -> dict[str, str] | None:
        if value in (None, "", {}):
            return None
        if isinstance(value, str):
            return {"da": value}
        result = {}
        for name, text in value.items():
            code = self.language(name, where)
            if code and text not in (None, ""):
                result[code] = str(text)
        return result or None

    # -- sheets
    def rows(self, sheet: str, header_aliases, columns) -> list[dict]:
        data = getattr(self.workbook, sheet, None) or []
        header = getattr(self.workbook, f"{sheet}_header", None) or []
        result = dealias_and_group_headers(
            sheet_name=sheet,
            sheet_data=data,
            sheet_header=header,
            header_aliases=header_aliases,
            header_columns=columns,
            add_row_number=True,
        )
        return [r for r in result.data if len(r) > 1]

    def unsupported(self, sheet: str, row: dict, known: set[str], extras: set[str]) -> None:
        for column, value in row.items():
            if column == "__row" or value in (None, "", {}):
                continue
            if column.startswith(EXTRA):
                if column[len(EXTRA) :] not in extras:
                    self.errors.append(f"{sheet}:{row['__row']}:{column}: unknown column")
            elif column not in known:
                self.errors.append(
                    f"{sheet}:{row['__row']}:{column}: not supported by survey-app "
                    "(see the XLSForm table in the README)"
                )

    def settings(self) -> dict[str, Any]:
        rows = self.rows("settings", aliases.settings_header, SETTINGS_COLUMNS)
        row = rows[0] if rows else {"__row": 2}
        renamed = {"title": "form_title", "id_string": "form_id"}
        row = {renamed.get(k, k): v for k, v in _flatten_bind(row).items()}
        self.unsupported("settings", row, SETTINGS_COLUMNS, SETTINGS_EXTRAS)
        where = f"settings:{row['__row']}"
        data: dict[str, Any] = {"key": self.key, "version": self.version}
        form_id = row.get("form_id")
        if form_id and form_id != self.key:
            self.warnings.append(
                f"{where}:form_id: '{form_id}' differs from --key; using {self.key}"
            )
        title = self.text(row.get(f"{EXTRA}title"), f"{where}:{EXTRA}title") or {}
        if row.get("form_title"):
            title["da"] = str(row["form_title"])
        if "da" not in title:
            self.errors.append(f"{where}:form_title: the form needs a title")
        data["title"] = title
        trial = self.text(row.get(f"{EXTRA}trial"), f"{where}:{EXTRA}trial")
        if trial:
            data["trial"] = trial
        data["audience"] = row.get("audience") or "caseworker"
        if data["audience"] not in ("caseworker", "citizen"):
            self.errors.append(f"{where}:audience: must be caseworker or citizen")
        data["anonymous"] = _yes(row.get("anonymous"), f"{where}:anonymous", self.errors, True)
        repeated = _yes(row.get(f"{EXTRA}repeated"), f"{where}:{EXTRA}repeated", self.errors, False)
        if repeated:
            data["repeated"] = True
        return data

    def scales(self) -> tuple[list[dict], dict[str, dict[str, int]]]:
        rows = self.rows("choices", aliases.list_header, set(Option.get_slot_names()))
        lists: dict[str, list[dict]] = {}
        for row in rows:
            self.unsupported("choices", row, {"list name", "name", "label"}, {"scale_type"})
            lists.setdefault(str(row.get("list name", "")), []).append(row)
        scales, codes = [], {}
        for list_name, choices in lists.items():
            where = f"choices:{choices[0]['__row']}:list_name"
            if not re.match(KEY_PATTERN, list_name):
                self.errors.append(f"{where}: '{list_name}' must be lower-case a-z, 0-9, _")
            scale: dict[str, Any] = {"key": list_name, "options": []}
            types = {r.get(f"{EXTRA}scale_type") for r in choices} - {None, ""}
            if types:
                scale["type"] = sorted(types)[0]
            names = [
                str(r.get("name", "")) for r in choices if r.get("name") != NON_SUBSTANTIVE_NAME
            ]
            numeric = names == [str(n) for n in range(1, len(names) + 1)]
            codes[list_name] = {}
            for row in choices:
                label = self.text(row.get("label"), f"choices:{row['__row']}:label")
                if label is None:
                    self.errors.append(f"choices:{row['__row']}:label: a choice needs a label")
                    continue
                name = str(row.get("name", ""))
                if name == NON_SUBSTANTIVE_NAME:
                    scale["non_substantive"] = {"key": "ved_ikke", "label": label}
                    continue
                option = {"code": len(scale["options"]) + 1, "label": label}
                if not numeric:
                    option["name"] = name
                codes[list_name][name] = option["code"]
                scale["options"].append(option)
            scales.append(scale)
        return scales, codes

    def domains(self) -> list[dict]:
        if DOMAIN_SHEET not in self.sheet_names:
            return []
        sheet = self.raw[DOMAIN_SHEET]
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        domains = []
        for number, values in enumerate(rows[1:], start=2):
            cells = {
                h: v for h, v in zip(header, values, strict=False) if h and v not in (None, "")
            }
            if not cells:
                continue
            domain: dict[str, Any] = {"key": cells.get("key"), "label": {}}
            for column, value in cells.items():
                if column.startswith("label"):
                    language = column.split("::", 1)[1] if "::" in column else "Dansk (da)"
                    code = self.language(language, f"{DOMAIN_SHEET}:{number}:{column}")
                    if code:
                        domain["label"][code] = str(value)
                elif column == "reliability":
                    domain["reliability"] = float(value) if _is_number(value) else value
                elif column != "key":
                    self.errors.append(f"{DOMAIN_SHEET}:{number}:{column}: unknown column")
            domains.append(domain)
        return domains

    def survey(self, codes: dict[str, dict[str, int]]) -> tuple[list[dict], dict | None]:
        columns = set(MultipleChoiceQuestion.get_slot_names())
        rows = self.rows("survey", aliases.survey_header, columns)
        items: list[dict] = []
        intro: dict | None = None
        references: dict[str, Reference] = {}
        groups: list[str | None] = []
        for row in rows:
            where = f"survey:{row['__row']}"
            row = _flatten_bind(row)
            kind = str(row.get("type", "")).strip()
            if kind in ("begin group", "begin_group"):
                self.unsupported("survey", row, {"type", "name", "label", "relevant"}, set())
                groups.append(self.condition(row, where, references))
                continue
            if kind in ("end group", "end_group"):
                if groups:
                    groups.pop()
                continue
            if kind == "note":
                self.unsupported("survey", row, {"type", "name", "label"}, set())
                if items or groups:
                    self.errors.append(
                        f"{where}:type: a note between questions is not supported; put the "
                        "text in the next question's hint (notes before the first question "
                        "become the intro)"
                    )
                    continue
                text = self.text(row.get("label"), f"{where}:label")
                intro = _joined(intro, text)
                continue
            item = self.item(row, kind, where, codes, references, groups)
            if item is not None:
                items.append(item)
        return items, intro

    def item(self, row, kind, where, codes, references, groups) -> dict | None:
        known = SURVEY_COLUMNS | ({"appearance"} if kind == "text" else set())
        self.unsupported("survey", row, known, SURVEY_EXTRAS)
        name = str(row.get("name", ""))
        if not re.match(KEY_PATTERN, name):
            self.errors.append(f"{where}:name: '{name}' must be lower-case a-z, 0-9, _")
        item: dict[str, Any] = {"key": name}
        select = _SELECT.match(kind)
        list_name = None
        select_kind = select.group("kind").strip() if select else ""
        if (
            select_kind not in aliases.select_from_file
            and aliases.select.get(select_kind) == "select one"
        ):
            if select.group("other"):
                self.errors.append(f"{where}:type: or_other is not supported")
            list_name = select.group("list")
            item["scale"] = list_name
            references[name] = Reference("scale", codes.get(list_name, {}))
        elif kind in QUESTION_TYPES:
            item["type"] = QUESTION_TYPES[kind]
            references[name] = Reference(item["type"], {})
        else:
            self.errors.append(f"{where}:type: '{kind}' is not supported")
            return None
        item["text"] = self.text(row.get("label"), f"{where}:label")
        if item["text"] is None:
            self.errors.append(f"{where}:label: a question needs a label")
        hint = self.text(row.get("hint"), f"{where}:hint")
        if hint:
            item["help"] = hint
        item["required"] = _yes(row.get("required"), f"{where}:required", self.errors, False)
        condition = self.item_condition(row, where, references, groups)
        if condition:
            item["show_if"] = condition
        self.extras(row, item, where, kind)
        self.constraint(row, item, where, kind)
        if kind == "text" and row.get("appearance"):
            if row["appearance"] != "multiline":
                self.errors.append(f"{where}:appearance: only 'multiline' is supported")
            else:
                item["multiline"] = True
        references[name] = references.get(name) or Reference("text", {})
        return item

    def item_condition(self, row, where, references, groups) -> str | None:
        own = self.condition(row, where, references)
        parts = [c for c in [*groups, own] if c]
        if len(parts) <= 1:
            return parts[0] if parts else None
        return " and ".join(f"({p})" for p in parts)

    def condition(self, row, where, references) -> str | None:
        relevant = row.get("relevant")
        if not relevant:
            return None
        names = {
            k: {c: n for n, c in r.codes.items()}
            for k, r in references.items()
            if r.kind == "scale"
        }
        stored = row.get(f"{EXTRA}show_if")
        try:
            if stored and show_if_to_relevant(stored, names) == relevant:
                return stored
            return relevant_to_show_if(str(relevant), references)
        except (ExpressionError, ValueError) as exc:
            self.errors.append(f"{where}:relevant: {exc}")
            return None

    def extras(self, row, item, where, kind) -> None:
        for extra in ("polarity", "domain"):
            if row.get(f"{EXTRA}{extra}"):
                item[extra] = row[f"{EXTRA}{extra}"]
        if f"{EXTRA}identifying" in row:
            value = row[f"{EXTRA}identifying"]
            item["identifying"] = _yes(value, f"{where}:{EXTRA}identifying", self.errors, True)
        if kind in ("integer", "decimal"):
            number: dict[str, Any] = {"kind": kind}
            if row.get(f"{EXTRA}decimals"):
                number["decimals"] = row[f"{EXTRA}decimals"]
            unit = self.text(row.get(f"{EXTRA}unit"), f"{where}:{EXTRA}unit")
            if unit:
                number["unit"] = unit
            item["number"] = number

    def constraint(self, row, item, where, kind) -> None:
        constraint = row.get("constraint")
        if not constraint:
            if item.get("number") == {"kind": "integer"}:
                del item["number"]
            return
        try:
            if kind == "text":
                item["max_length"] = constraint_to_max_length(str(constraint))
            elif kind in ("integer", "decimal"):
                low, high = constraint_to_bounds(str(constraint))
                item["number"].update(
                    {k: str(v) for k, v in (("min", low), ("max", high)) if v is not None}
                )
            else:
                self.errors.append(f"{where}:constraint: only number and text questions take one")
        except ExpressionError as exc:
            self.errors.append(f"{where}:constraint: {exc}")


def _flatten_bind(row: dict) -> dict:
    """pyxform nests bind columns and ``survey_app::x`` columns; flatten them back."""
    flat = {k: v for k, v in row.items() if k not in ("bind", "control", "survey_app")}
    flat.update(row.get("bind") or {})
    flat.update(row.get("control") or {})
    for extra, value in (row.get("survey_app") or {}).items():
        flat[f"{EXTRA}{extra}"] = value
    return flat


def _joined(first: dict | None, second: dict | None) -> dict | None:
    if not first or not second:
        return first or second
    return {
        k: "\n\n".join(t for t in (first.get(k), second.get(k)) if t) for k in {*first, *second}
    }


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _pyxform_errors(data: bytes) -> list[str]:
    try:
        result = convert(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        return [f"XLSForm: {exc}"]
    except Exception as exc:  # noqa: BLE001 - pyxform can fail in many ways on a bad file
        return [f"XLSForm: pyxform cannot read the workbook ({type(exc).__name__}: {exc})"]
    del result
    return []


def import_xlsform(data: bytes, key: str, version: int) -> ImportResult:
    """Convert an XLSForm workbook to a questionnaire; XLSFormError names every problem."""
    if not re.match(r"^[a-z][a-z0-9-]*$", key):
        raise XLSFormError([f"--key: '{key}' must be lower-case a-z, 0-9 and -"])
    errors = _pyxform_errors(data)
    if errors:
        raise XLSFormError(errors)
    try:
        workbook = get_xlsform(xlsform=io.BytesIO(data), file_type=".xlsx")
        raw = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - pyxform has just read it, but be safe
        raise XLSFormError([f"XLSForm: cannot read the workbook ({exc})"]) from exc
    reader = _Reader(workbook, key, version)
    reader.raw, reader.sheet_names = raw, raw.sheetnames
    try:
        data_dict = reader.settings()
        scales, codes = reader.scales()
        items, intro = reader.survey(codes)
        domains = reader.domains()
    except PyXFormError as exc:
        raise XLSFormError([f"XLSForm: {exc}"]) from exc
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # A cell shaped in a way no rule above foresaw: refuse with a message, never a traceback.
        raise XLSFormError([f"XLSForm: cannot be converted ({type(exc).__name__}: {exc})"]) from exc
    if reader.errors:
        raise XLSFormError(reader.errors)
    languages = set(reader.languages.values()) - {None}
    if len(languages) <= 1 and languages != {"da"}:
        _as_danish(items, scales, domains, data_dict, intro)
        reader.warnings.append(
            "the form has a single label language: its texts are taken as Danish (da)"
        )
    if intro:
        data_dict["intro"] = intro
    data_dict.update(scales=scales, domains=domains, items=items)
    yaml_text = questionnaire_yaml(data_dict)
    try:
        questionnaire = parse_questionnaire(yaml_text, f"{key}.v{version}.yaml")
    except QuestionnaireError as exc:
        raise XLSFormError(exc.messages) from exc
    return ImportResult(questionnaire, yaml_text, reader.warnings)


def _as_danish(*parts: Any) -> None:
    """Rename the only language of every text to ``da`` (in place)."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
            for name in ("text", "label", "help", "title", "intro", "trial", "unit"):
                text = node.get(name)
                if isinstance(text, dict) and len(text) == 1 and "da" not in text:
                    node[name] = {"da": next(iter(text.values()))}
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for part in parts:
        walk(part)


def questionnaire_yaml(data: dict | Questionnaire) -> str:
    """A questionnaire as a readable YAML file (no empty fields)."""
    if isinstance(data, Questionnaire):
        data = data.model_dump(mode="json")
    return yaml.safe_dump(_without_empty(data), allow_unicode=True, sort_keys=False, width=100)


def _without_empty(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_empty(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_empty(v) for v in node]
    return node


# ---------------------------------------------------------------- export


def _language_columns(languages: list[str]) -> dict[str, str]:
    return {code: f"{LANGUAGE_TITLES.get(code, code)} ({code})" for code in languages}


def _texts(text, columns: dict[str, str]) -> list[str | None]:
    if text is None:
        return [None] * len(columns)
    return [text.get(code) if code in text.languages() else None for code in columns]


def export_xlsform(q: Questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook that import_xlsform reads back unchanged."""
    languages = _all_languages(q)
    columns = _language_columns(languages)
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    label_headers = [f"label::{c}" for c in columns.values()]
    hint_headers = [f"hint::{c}" for c in columns.values()]
    unit_headers = [f"survey_app::unit::{c}" for c in columns.values()]
    survey.append(
        ["type", "name", *label_headers, *hint_headers, "required", "relevant", "constraint",
         "appearance", "survey_app::show_if", "survey_app::polarity", "survey_app::domain",
         "survey_app::identifying", "survey_app::decimals", *unit_headers]
    )  # fmt: skip
    blank = [None] * len(columns)
    if q.intro:
        survey.append(["note", INTRO_NAME, *_texts(q.intro, columns), *blank])
    names = {
        i.key: {o.code: o.name or str(o.code) for o in q.scale_for(i).options}
        for i in q.items
        if i.type == "scale"
    }
    for item in q.items:
        survey.append(_item_row(q, item, columns, names))
    _write_choices(book.create_sheet("choices"), q, columns)
    _write_settings(book.create_sheet("settings"), q, columns)
    if q.domains:
        sheet = book.create_sheet(DOMAIN_SHEET)
        sheet.append(["key", *label_headers, "reliability"])
        for d in q.domains:
            sheet.append([d.key, *_texts(d.label, columns), d.reliability])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _all_languages(q: Questionnaire) -> list[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "da" in node and all(isinstance(v, str) or v is None for v in node.values()):
                found.update(k for k, v in node.items() if v)
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(q.model_dump(mode="json"))
    return ["da", *sorted(found - {"da"}, key=lambda code: (code != "en", code))]


def _item_row(q, item, columns, names) -> list:
    if item.type == "scale":
        kind = f"select_one {item.scale}"
    elif item.type == "number":
        kind = item.number_format().kind
    else:
        kind = "text"
    constraint = None
    if item.type == "number" and item.number:
        constraint = bounds_to_constraint(item.number.min, item.number.max) or None
    if item.type == "text" and item.max_length:
        constraint = f"string-length(.) <= {item.max_length}"
    fmt = item.number
    return [
        kind,
        item.key,
        *_texts(item.text, columns),
        *_texts(item.help, columns),
        "yes" if item.required else "no",
        show_if_to_relevant(item.show_if, names) if item.show_if else None,
        constraint,
        "multiline" if item.multiline else None,
        item.show_if,
        item.polarity if item.polarity != "positive" else None,
        item.domain,
        "no" if item.type == "text" and not item.identifying else None,
        fmt.decimals if fmt else None,
        *_texts(fmt.unit if fmt else None, columns),
    ]


def _write_choices(sheet, q: Questionnaire, columns) -> None:
    sheet.append(["list_name", "name", *[f"label::{c}" for c in columns.values()],
                  f"{EXTRA}scale_type"])  # fmt: skip
    for scale in q.scales:
        scale_type = scale.type if scale.type != "ordinal" else None
        for option in scale.options:
            name = option.name or str(option.code)
            sheet.append([scale.key, name, *_texts(option.label, columns), scale_type])
        if scale.non_substantive:
            sheet.append(
                [
                    scale.key,
                    NON_SUBSTANTIVE_NAME,
                    *_texts(scale.non_substantive.label, columns),
                    scale_type,
                ]
            )


def _write_settings(sheet, q: Questionnaire, columns) -> None:
    others = {k: v for k, v in columns.items() if k != "da"}
    trial_columns = [f"survey_app::trial::{c}" for c in columns.values()]
    sheet.append(["form_title", "form_id", "version", "audience", "anonymous",
                  "survey_app::repeated", *[f"survey_app::title::{c}" for c in others.values()],
                  *trial_columns])  # fmt: skip
    sheet.append(
        [q.title.da, q.key, str(q.version), q.audience, "yes" if q.anonymous else "no",
         "yes" if q.repeated else None, *_texts(q.title, others), *_texts(q.trial, columns)]
    )  # fmt: skip
