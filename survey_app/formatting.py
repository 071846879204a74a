"""Template filters that show times in Danish time (Europe/Copenhagen), written the way
readers of the page's language expect: Danish on Danish pages, English on English pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from .waves import as_utc

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MONTHS = {
    "da": [
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
}  # fmt: skip


def local_time(moment: datetime) -> datetime:
    """``moment`` (stored in UTC) as Danish local time."""
    return as_utc(moment).astimezone(COPENHAGEN)


def date_text(moment: datetime, language: str = "da") -> str:
    """E.g. '31. august 2020' (Danish) or '31 August 2020' (English), the Danish local date."""
    local = local_time(moment)
    month = MONTHS.get(language, MONTHS["da"])[local.month - 1]
    if language == "en":
        return f"{local.day} {month} {local.year}"
    return f"{local.day}. {month} {local.year}"


def datetime_text(moment: datetime, language: str = "da") -> str:
    """E.g. '31. august 2020 kl. 23:59' or '31 August 2020 at 23:59' (Danish local time)."""
    joiner = "at" if language == "en" else "kl."
    return f"{date_text(moment, language)} {joiner} {local_time(moment):%H:%M}"


def danish_datetime(moment: datetime) -> str:
    """E.g. '7. januar 2019 kl. 01:00' in Danish local time."""
    return datetime_text(moment, "da")


def danish_date(moment: datetime) -> str:
    """E.g. '7. januar 2019', the date in Danish local time."""
    return date_text(moment, "da")


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
    """Make the filters available in templates (``local_datetime``/``local_date`` take the
    page's language)."""
    app.add_template_filter(danish_datetime, "danish_datetime")
    app.add_template_filter(danish_date, "danish_date")
    app.add_template_filter(datetime_text, "local_datetime")
    app.add_template_filter(date_text, "local_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(pvalue, "pvalue")
