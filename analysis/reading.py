"""Reading the app's long export CSV, refusing malformed files with the row and column named.

Columns (UTF-8, header row): ``response_id, respondent_key, questionnaire, version, wave,
municipality, item, value, label, missing, answered_at``. Rows are numbered as in a
spreadsheet: the header is row 1 and the first answer is row 2.

An open item (``type: text`` or ``number`` in its definition) has its answer in ``value`` as
given (a number in plain decimal notation) and an empty ``label``; the reader knows these items
only from the definitions passed to it, and hands their answers over in ``ExportRow.text``.
Without definitions every ``value`` must be an option code.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from analysis.definitions import QuestionnaireDef

COLUMNS = (
    "response_id",
    "respondent_key",
    "questionnaire",
    "version",
    "wave",
    "municipality",
    "item",
    "value",
    "label",
    "missing",
    "answered_at",
)
# "Ved ikke", skipped, and not asked because routing hid the item (in this order everywhere).
MISSING_CODES = ("ved_ikke", "ubesvaret", "ikke_relevant")
_REQUIRED_TEXT = ("response_id", "questionnaire", "municipality", "item")
_INTEGER = re.compile(r"^[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class ExportError(Exception):
    """A malformed export; ``row`` and ``column`` say where (row 1 is the header)."""

    def __init__(self, source: str, row: int | None, column: str | None, problem: str):
        where = ", ".join(
            part
            for part in (f"row {row}" if row else "", f"column '{column}'" if column else "")
            if part
        )
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")
        self.source = source
        self.row = row
        self.column = column
        self.problem = problem


class ExportRow(NamedTuple):
    """One validated answer row: ``value`` is an option code or None, ``missing`` '' or a
    missing code, ``text`` the answer to an open item ('' otherwise)."""

    row: int
    response_id: str
    respondent_key: str
    questionnaire: str
    version: int
    wave: str
    municipality: str
    item: str
    value: int | None
    label: str
    missing: str
    answered_at: str
    text: str = ""


def _open_kinds(definitions: Mapping[int, QuestionnaireDef] | None) -> dict[tuple[int, str], str]:
    """``{(version, item): "text" | "number"}`` for the open items of the definitions."""
    return {
        (version, item.key): item.kind
        for version, definition in (definitions or {}).items()
        for item in definition.open_items
    }


def _open_answer(source: str, row: int, kind: str, value_text: str, label: str) -> str:
    """The answer to an open item as given, or ExportError: a label, no value, not a number."""
    if label:
        raise ExportError(source, row, "label", f"{label!r} given for an open ({kind}) item")
    if not value_text.strip():
        raise ExportError(source, row, "value", "empty, but 'missing' gives no missing code")
    if kind == "number" and not _NUMBER.match(value_text):
        raise ExportError(source, row, "value", f"{value_text!r} is not a number (e.g. 12, 2.5)")
    return value_text


def _valid_timestamp(text: str) -> bool:
    try:
        if len(text) == 10:
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _cell_name(header: list[str], n_cells: int) -> str:
    """The first column a short row lacks, or the first cell beyond the header."""
    if n_cells < len(header):
        return header[n_cells]
    return f"{len(header) + 1} (beyond the header)"


def iter_export(
    path: str | Path,
    questionnaire: str | None = None,
    definitions: Mapping[int, QuestionnaireDef] | None = None,
) -> Iterator[ExportRow]:
    """Validate every row of the export and yield those of ``questionnaire`` (all if None).

    ``definitions`` (by version, of ``questionnaire``) say which items are open: their answers
    are read as text. Raises ExportError naming the row and column of the first problem; a
    file with no rows at all for ``questionnaire`` is refused as well. Streams: memory stays
    flat.
    """
    source = str(path)
    open_kinds = _open_kinds(definitions)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ExportError(source, None, None, f"cannot be opened: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle)
        row_number = 1
        try:
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise ExportError(source, 1, None, "the file is empty (no header row)")
            header = [cell.strip() for cell in header]
            for name in COLUMNS:
                if name not in header:
                    raise ExportError(
                        source, 1, name, f"missing column (the header has: {', '.join(header)})"
                    )
            index = [header.index(name) for name in COLUMNS]
            width = len(header)
            versions: dict[str, int] = {}
            values: dict[str, int] = {}
            timestamps: set[str] = set()
            seen_questionnaires: set[str] = set()
            yielded = 0
            for cells in reader:
                row_number += 1
                if not cells:
                    continue
                if len(cells) != width:
                    raise ExportError(
                        source, row_number, _cell_name(header, len(cells)),
                        f"the row has {len(cells)} cells, the header {width}",
                    )  # fmt: skip
                (rid, rkey, qkey, version_text, wave, municipality, item, value_text, label,
                 missing, answered_at) = [cells[i] for i in index]  # fmt: skip
                for name, text in zip(_REQUIRED_TEXT, (rid, qkey, municipality, item), strict=True):
                    if not text.strip():
                        raise ExportError(source, row_number, name, "empty; a value is required")
                version = versions.get(version_text)
                if version is None:
                    if not _INTEGER.match(version_text.strip()) or int(version_text) < 1:
                        raise ExportError(
                            source, row_number, "version",
                            f"{version_text!r} is not a version number (an integer >= 1)",
                        )  # fmt: skip
                    version = versions[version_text] = int(version_text)
                wanted = questionnaire is None or qkey == questionnaire
                text = ""
                if missing:
                    if missing not in MISSING_CODES:
                        raise ExportError(
                            source, row_number, "missing",
                            f"{missing!r} is not a missing code "
                            f"(empty, {', '.join(MISSING_CODES[:-1])} or {MISSING_CODES[-1]})",
                        )  # fmt: skip
                    if value_text.strip():
                        raise ExportError(
                            source, row_number, "value",
                            f"{value_text!r} given although missing is {missing!r}",
                        )  # fmt: skip
                    value = None
                elif (kind := open_kinds.get((version, item))) and wanted:
                    text = _open_answer(source, row_number, kind, value_text, label)
                    value = None
                elif not wanted and not label and not _INTEGER.match(value_text):
                    value = None  # another questionnaire's open answer: not ours to read
                else:
                    value = values.get(value_text)
                    if value is None:
                        if not value_text.strip():
                            raise ExportError(
                                source, row_number, "value",
                                "empty, but 'missing' gives no missing code",
                            )  # fmt: skip
                        if not _INTEGER.match(value_text.strip()) or int(value_text) < 1:
                            raise ExportError(
                                source, row_number, "value",
                                f"{value_text!r} is not an option code (an integer >= 1)",
                            )  # fmt: skip
                        value = values[value_text] = int(value_text)
                if answered_at not in timestamps:
                    if not _valid_timestamp(answered_at):
                        raise ExportError(
                            source, row_number, "answered_at",
                            f"{answered_at!r} is not an ISO 8601 date or time",
                        )  # fmt: skip
                    if len(timestamps) > 65536:  # keep memory flat on per-minute stamps
                        timestamps.clear()
                    timestamps.add(answered_at)
                seen_questionnaires.add(qkey)
                if wanted:
                    yielded += 1
                    yield ExportRow(
                        row_number, rid, rkey, qkey, version, wave, municipality, item, value,
                        label, missing, answered_at, text,
                    )  # fmt: skip
        except csv.Error as exc:
            raise ExportError(source, row_number, None, f"not valid CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ExportError(source, row_number + 1, None, "not UTF-8 text") from exc
        if yielded == 0:
            if row_number == 1:
                raise ExportError(source, None, None, "the file has a header but no answer rows")
            found = ", ".join(sorted(seen_questionnaires))
            raise ExportError(
                source, None, "questionnaire", f"no rows for '{questionnaire}' (found: {found})"
            )


def read_export(
    path: str | Path,
    questionnaire: str | None = None,
    definitions: Mapping[int, QuestionnaireDef] | None = None,
) -> list[ExportRow]:
    """All validated rows of ``questionnaire`` (see iter_export) as a list."""
    return list(iter_export(path, questionnaire, definitions))
