"""Writers for the wide exports: wide CSV, Excel (.xlsx), SPSS (.sav) and the codebook CSV.

All take a questionnaire definition and ``WideRecord``s and write the same columns: the id
columns, then one column per item (in questionnaire order). A closed item's column holds the
numeric code, with 97 for not relevant (routed past), 98 for "Ved ikke" and 99 for skipped
("ubesvaret"); a text item's column holds the text (a string variable in SPSS), a number item's
the number. An empty cell means no answer row, or an open item without an answer. Text cells
that a spreadsheet would run as a formula are made inert in CSV (by the one CSV writer,
``csv_chunks``) and Excel (SPSS does not run formulas, so the .sav keeps the text as it is).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..export import csv_chunks, inert
from ..questionnaire_schema import Questionnaire
from .codebook import CODEBOOK_COLUMNS, ID_TEXTS, codebook_rows, value_labels
from .data import ID_COLUMNS, MISSING_CODES, WideRecord, WideValue

SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
SPSS_VARIABLE_LABEL_BYTES = 255
SPSS_VALUE_LABEL_BYTES = 120
SPSS_FILE_LABEL_BYTES = 64
ANSWERS_SHEET = "Svar"
CODEBOOK_SHEET = "Kodebog"


def wide_header(definition: Questionnaire) -> list[str]:
    """The wide exports' column names: the id columns, then the item keys in order."""
    return [*ID_COLUMNS, *(item.key for item in definition.items)]


def wide_row(definition: Questionnaire, record: WideRecord) -> list[WideValue]:
    """One response as a wide row: the id values, then the code per item."""
    return [*record.id_values(), *(record.codes.get(item.key) for item in definition.items)]


def wide_csv_chunks(
    definition: Questionnaire, records: Iterable[WideRecord], rows_per_chunk: int = 500
) -> Iterator[str]:
    """The wide CSV text (header first) in chunks, for streaming."""
    rows = (wide_row(definition, record) for record in records)
    return csv_chunks(rows, wide_header(definition), rows_per_chunk)


def codebook_csv_chunks(definition: Questionnaire) -> Iterator[str]:
    """The codebook as CSV text (header first) in chunks."""
    return csv_chunks(codebook_rows(definition), CODEBOOK_COLUMNS)


def _sheet_cell(cell: str) -> str | int:
    return int(cell) if cell.isdigit() else _sheet_text(cell)


def _sheet_text(cell):
    """A text as an Excel cell: inert, and without the control characters a workbook cannot
    hold (free text may carry them); other values as they are."""
    if not isinstance(cell, str):
        return cell
    return inert(_illegal_characters().sub("", cell))


@functools.cache
def _illegal_characters():
    # openpyxl is imported only when a workbook is written (it is large).
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def write_xlsx(target: Path, definition: Questionnaire, records: Iterable[WideRecord]) -> None:
    """Write an Excel workbook: sheet "Svar" in wide form and sheet "Kodebog" with the codebook.

    The workbook is write-only, so rows go to disk as they come and memory stays small.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet(ANSWERS_SHEET)
    answers.freeze_panes = "A2"
    answers.append(wide_header(definition))
    for record in records:
        row = wide_row(definition, record)
        answers.append([_sheet_text(cell) for cell in row])
    codebook = workbook.create_sheet(CODEBOOK_SHEET)
    codebook.freeze_panes = "A2"
    codebook.append(CODEBOOK_COLUMNS)
    for row in codebook_rows(definition):
        codebook.append([_sheet_cell(cell) for cell in row])
    workbook.save(target)


def truncate_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, ending in "…" when cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    ellipsis = "…"
    budget = limit - len(ellipsis.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut.rstrip() + ellipsis


def spss_name(key: str) -> str:
    """An SPSS variable name for an item key (reserved words get a trailing underscore)."""
    name = key[:64]
    return name + "_" if name.upper() in SPSS_RESERVED else name


def write_sav(target: Path, definition: Questionnaire, records: Iterable[WideRecord]) -> None:
    """Write an SPSS .sav: variable labels are the Danish item texts, value labels the Danish
    option labels, and 98 ("Ved ikke") and 99 ("ubesvaret") are declared user-missing, with
    97 (not relevant) for items that routing can skip. Text items are string variables (as wide
    as their longest answer), number items numeric variables of scale measure.

    pyreadstat writes from a pandas DataFrame, so the whole selection is held in memory once.
    """
    import pandas as pd

    columns: dict[str, list] = {name: [] for name in ID_COLUMNS}
    names = {item.key: spss_name(item.key) for item in definition.items}
    columns.update({name: [] for name in names.values()})
    for record in records:
        for name, value in zip(ID_COLUMNS, record.id_values(), strict=True):
            columns[name].append(value)
        for key, name in names.items():
            columns[name].append(record.codes.get(key))
    text_names = {names[item.key] for item in definition.items if item.type == "text"}
    frame = pd.DataFrame(
        {
            name: pd.Series(
                values,
                dtype="float64" if name in names.values() and name not in text_names else "object",
            )
            for name, values in columns.items()
        }
    )
    frame["version"] = frame["version"].astype("float64")
    labels = {name: ID_TEXTS[name][0] for name in ID_COLUMNS}
    value_label_map, measures, formats = {}, {"version": "nominal"}, {"version": "F4.0"}
    missing_ranges = {}
    for item in definition.items:
        name = names[item.key]
        labels[name] = truncate_bytes(item.text.da, SPSS_VARIABLE_LABEL_BYTES)
        if item.type == "text":
            measures[name] = "nominal"
            continue
        if item.type == "number":
            fmt = item.number_format()
            measures[name] = "scale"
            decimals = 0 if fmt.kind == "integer" else (fmt.decimals or 2)
            formats[name] = f"F12.{decimals}"
            continue
        value_label_map[name] = {
            code: truncate_bytes(label, SPSS_VALUE_LABEL_BYTES)
            for code, label in value_labels(definition, item).items()
        }
        scale_type = definition.scale_for(item).type
        measures[name] = "ordinal" if scale_type == "ordinal" else "nominal"
        formats[name] = "F2.0"
        lowest = "ikke_relevant" if item.show_if is not None else "ved_ikke"
        missing_ranges[name] = [{"lo": MISSING_CODES[lowest], "hi": MISSING_CODES["ubesvaret"]}]
    for name in ID_COLUMNS:
        measures.setdefault(name, "nominal")
    import pyreadstat

    pyreadstat.write_sav(
        frame,
        str(target),
        file_label=truncate_bytes(definition.title.da, SPSS_FILE_LABEL_BYTES),
        column_labels=labels,
        note=f"{definition.key} version {definition.version}: "
        "97 = ikke relevant, 98 = Ved ikke, 99 = ubesvaret",
        variable_value_labels=value_label_map,
        missing_ranges=missing_ranges,
        variable_measure=measures,
        variable_format=formats,
    )
