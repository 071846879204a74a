"""Open answers (text and number items) from an export, listed for reading.

The statistics ignore open items; this module only lists what respondents wrote, per item in
questionnaire order, then wave, municipality and row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analysis.counts import checked_rows
from analysis.definitions import QuestionnaireDef, merge_versions
from analysis.reading import ExportError, ExportRow, iter_export

TEXT_KEYS = ("item", "kind", "wave", "municipality", "text")


@dataclass(frozen=True)
class OpenAnswer:
    """One answer to an open item, with where it was given."""

    item: str
    item_text: str
    kind: str
    wave: str
    municipality: str
    text: str
    row: int

    def to_record(self) -> dict:
        """The answer as a flat dict with exactly ``TEXT_KEYS``."""
        return {key: getattr(self, key) for key in TEXT_KEYS}


def open_answers(
    rows: Iterable[ExportRow], definitions: dict[int, QuestionnaireDef], source: str = "export"
) -> list[OpenAnswer]:
    """The answers to the open items among ``rows`` (read with ``definitions``), in item order
    of the newest version, then by wave, municipality and row. Missing answers are left out."""
    versions: set[int] = set()
    found: list[ExportRow] = []
    for row in checked_rows(rows, definitions, source):
        versions.add(row.version)
        if row.text:
            found.append(row)
    definition = merge_versions(definitions, versions)
    order = {item.key: i for i, item in enumerate(definition.open_items)}
    found.sort(key=lambda r: (order.get(r.item, len(order)), r.wave, r.municipality, r.row))
    answers = []
    for row in found:
        item = definition.open_item(row.item)
        text, kind = (item.text, item.kind) if item else (row.item, "")
        place = (row.wave, row.municipality)
        answers.append(OpenAnswer(row.item, text, kind, *place, row.text, row.row))
    return answers


def open_answers_export(
    path: str | Path, definitions: dict[int, QuestionnaireDef], questionnaire: str
) -> list[OpenAnswer]:
    """The open answers of ``questionnaire`` in an export CSV (see open_answers); a
    questionnaire without open items is refused."""
    if not any(d.open_items for d in definitions.values()):
        raise ExportError(
            str(path), None, "questionnaire", f"'{questionnaire}' has no text or number items"
        )
    return open_answers(iter_export(path, questionnaire, definitions), definitions, str(path))


def readable(answers: list[OpenAnswer]) -> str:
    """The answers as plain text: a heading per item, one indented line per answer (a
    multi-line text keeps its lines, indented under the first)."""
    lines: list[str] = []
    current = None
    for answer in answers:
        if answer.item != current:
            current = answer.item
            lines += ["" if lines else None, f"{answer.item} ({answer.kind}): {answer.item_text}"]
        where = f"{answer.wave or '(ingen runde)'} · {answer.municipality}"
        body = answer.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines.append(f"  {where}: {body[0]}")
        lines += [" " * (len(where) + 4) + more for more in body[1:]]
    if not answers:
        lines.append("Ingen åbne svar i filen.")
    return "\n".join(line for line in lines if line is not None) + "\n"
