"""Registry indicators beside the survey (e.g. jobindsats.dk): a small CSV with the columns
``trial, municipality, indicator, period, value, source``, imported whole or not at all."""

from __future__ import annotations

import csv
import io
import math

from flask import current_app
from sqlalchemy import select
from sqlmodel import Session

from ..models import Municipality, RegistryIndicator, utcnow
from .trials import catalogue

COLUMNS = ["trial", "municipality", "indicator", "period", "value", "source"]
MAX_ROWS = 5000
LIMITS = {"indicator": 200, "period": 60, "source": 300}


class IndicatorError(ValueError):
    """A row cannot be imported; the message names the line and column."""


def _value(text: str, line: int) -> float:
    raw = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise IndicatorError(f"linje {line}, kolonne value: „{text[:40]}“ er ikke et tal")
    return value


def parse_indicators(text: str, municipalities: dict[str, int], trials: set[str]) -> list[dict]:
    """The rows of an indicator CSV, each checked; the first bad row stops everything."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != COLUMNS:
        raise IndicatorError(f"linje 1: kolonnerne skal være {','.join(COLUMNS)}")
    rows, seen = [], set()
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            raise IndicatorError(f"linje {line}: {len(cells)} kolonner, skal være {len(COLUMNS)}")
        row = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
        for column in COLUMNS:
            if not row[column]:
                raise IndicatorError(f"linje {line}, kolonne {column}: tom")
            if row[column][0] in "=+-@" and column != "value":
                raise IndicatorError(
                    f"linje {line}, kolonne {column}: må ikke starte med „{row[column][0]}“"
                )
        for column, limit in LIMITS.items():
            if len(row[column]) > limit:
                raise IndicatorError(f"linje {line}, kolonne {column}: længere end {limit} tegn")
        if row["trial"] not in trials:
            raise IndicatorError(
                f"linje {line}, kolonne trial: ukendt forsøg „{row['trial'][:40]}“"
            )
        if row["municipality"] not in municipalities:
            raise IndicatorError(
                f"linje {line}, kolonne municipality: ukendt kommune „{row['municipality'][:40]}“"
            )
        row["value"] = _value(row["value"], line)
        key = (row["trial"], row["municipality"], row["indicator"], row["period"])
        if key in seen:
            raise IndicatorError(f"linje {line}: samme forsøg, kommune, indikator og periode igen")
        seen.add(key)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise IndicatorError(f"linje {line}: højst {MAX_ROWS} rækker")
    if not rows:
        raise IndicatorError("filen har ingen rækker")
    return rows


def import_indicators(
    session: Session, text: str, actor: str, only_trial: str | None = None
) -> int:
    """Store every row of the CSV (replacing the same trial, municipality, indicator and
    period) or, at the first bad row, nothing. ``only_trial`` refuses rows of other trials."""
    municipalities = dict(session.execute(select(Municipality.name, Municipality.id)).all())
    trials = set(catalogue(current_app.config["QUESTIONNAIRE_DIR"]).trials)
    if only_trial is not None:
        trials = {only_trial} & trials
    rows = parse_indicators(text, municipalities, trials)
    now = utcnow()
    for row in rows:
        existing = session.execute(
            select(RegistryIndicator).where(
                RegistryIndicator.trial_key == row["trial"],
                RegistryIndicator.municipality_id == municipalities[row["municipality"]],
                RegistryIndicator.indicator == row["indicator"],
                RegistryIndicator.period == row["period"],
            )
        ).scalar_one_or_none()
        target = existing or RegistryIndicator(
            trial_key=row["trial"],
            municipality_id=municipalities[row["municipality"]],
            indicator=row["indicator"],
            period=row["period"],
            value=0.0,
            source="",
            imported_by="",
        )
        target.value, target.source = row["value"], row["source"]
        target.imported_at, target.imported_by = now, actor
        session.add(target)
    session.flush()
    return len(rows)


def indicators_of(session: Session, trial_key: str) -> list[tuple[str, RegistryIndicator]]:
    """A trial's indicators with their municipality's name, by indicator, period, place."""
    query = (
        select(Municipality.name, RegistryIndicator)
        .join(Municipality, Municipality.id == RegistryIndicator.municipality_id)
        .where(RegistryIndicator.trial_key == trial_key)
        .order_by(RegistryIndicator.indicator, RegistryIndicator.period, Municipality.name)
    )
    return [(name, row) for name, row in session.execute(query)]
