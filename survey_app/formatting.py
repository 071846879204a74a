"""Template filters that show times the way Danish readers expect."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from .waves import as_utc

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MONTHS = [
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
]  # fmt: skip


def danish_datetime(moment: datetime) -> str:
    """E.g. '7. januar 2019 kl. 01:00' in Danish local time."""
    local = as_utc(moment).astimezone(COPENHAGEN)
    return f"{local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H:%M}"


def danish_date(moment: datetime) -> str:
    """E.g. '7. januar 2019' (the date in UTC, as stored for anonymous answers)."""
    day = as_utc(moment)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def number(value: float | None, digits: int = 1) -> str:
    """A number with a Danish decimal comma; a dash when there is none."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


def pvalue(value: float | None) -> str:
    """A p-value as evaluators write it: '<0,001' for tiny values, else three decimals."""
    if value is None:
        return "–"
    return "<0,001" if value < 0.001 else number(value, 3)


def register_filters(app: Flask) -> None:
    """Make the filters available in templates."""
    app.add_template_filter(danish_datetime, "danish_datetime")
    app.add_template_filter(danish_date, "danish_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(pvalue, "pvalue")
