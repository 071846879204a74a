"""Helpers for the analysis tests: fixture definitions and export files written like the app."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable
from pathlib import Path

from analysis.definitions import load_definitions
from analysis.reading import COLUMNS

QUESTIONNAIRES = Path(__file__).parent / "questionnaires"


def definitions(key: str = "proeve"):
    """The fixture definitions of ``key`` by version."""
    return load_definitions(QUESTIONNAIRES, key)


def answer(
    item: str,
    value: int | None,
    wave: str = "jan-2019",
    municipality: str = "Aalborg",
    questionnaire: str = "proeve",
    version: int = 1,
    missing: str = "",
    response_id: str | None = None,
    respondent_key: str = "",
    answered_at: str = "2019-01-15",
) -> dict:
    """One export row as the app writes it."""
    if value is None and not missing:
        missing = "ved_ikke"
    return {
        "response_id": response_id or str(uuid.uuid4()),
        "respondent_key": respondent_key,
        "questionnaire": questionnaire,
        "version": str(version),
        "wave": wave,
        "municipality": municipality,
        "item": item,
        "value": "" if value is None else str(value),
        "label": "",
        "missing": missing,
        "answered_at": answered_at,
    }


def write_export(path: Path, rows: Iterable[dict], columns=COLUMNS) -> Path:
    """Write rows (dicts) as an export CSV with the given header."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def wave_rows(item: str, codes_a: list[int], codes_b: list[int], municipality="Aalborg", **kw):
    """Rows for one item: ``codes_a`` in jan-2019 and ``codes_b`` in sommer-2020."""
    return [answer(item, c, "jan-2019", municipality, **kw) for c in codes_a] + [
        answer(item, c, "sommer-2020", municipality, answered_at="2020-06-15", **kw)
        for c in codes_b
    ]
