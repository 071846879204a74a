"""Reference data from the seeds: the trial municipalities and the historic survey waves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NORTH_JUTLAND = "Frikommunenetværket Nordjylland"
CAPITAL_REGION = "Én plan (hovedstadsområdet)"

MUNICIPALITIES: dict[str, str] = {
    **dict.fromkeys(
        [
            "Aalborg",
            "Brønderslev",
            "Frederikshavn",
            "Hjørring",
            "Jammerbugt",
            "Læsø",
            "Mariagerfjord",
            "Morsø",
            "Rebild",
            "Thisted",
            "Vesthimmerland",
        ],
        NORTH_JUTLAND,
    ),
    **dict.fromkeys(
        [
            "Allerød",
            "Ballerup",
            "Fredensborg",
            "Frederikssund",
            "Furesø",
            "Gribskov",
            "Halsnæs",
            "Helsingør",
            "Hillerød",
        ],
        CAPITAL_REGION,
    ),
}


@dataclass(frozen=True)
class HistoricWave:
    questionnaire: str
    key: str
    title: str
    opens_at: datetime
    closes_at: datetime
    title_en: str | None = None


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _first_day(year: int, month: int, day: int) -> datetime:
    """The start of a day in Danish time (the seeds give Danish dates)."""
    return datetime(year, month, day, tzinfo=COPENHAGEN).astimezone(UTC)


def _last_day(year: int, month: int, day: int) -> datetime:
    """The last second of a day in Danish time: a wave is open through its last day."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=COPENHAGEN).astimezone(UTC)


# Seed 003: ledighedsydelse in January 2019 and summer 2020; mentor in January 2019 and at the end
# of the trial; revalidering half a year after the 1 July 2018 start.
HISTORIC_WAVES: list[HistoricWave] = [
    HistoricWave(
        "ledighedsydelse", "jan-2019", "Januar 2019",
        _first_day(2019, 1, 7), _last_day(2019, 1, 31), "January 2019",
    ),
    HistoricWave(
        "ledighedsydelse", "sommer-2020", "Sommer 2020",
        _first_day(2020, 6, 1), _last_day(2020, 8, 31), "Summer 2020",
    ),
    HistoricWave(
        "mentor", "jan-2019", "Januar 2019",
        _first_day(2019, 1, 7), _last_day(2019, 1, 31), "January 2019",
    ),
    HistoricWave(
        "mentor", "forsoegsafslutning", "Forsøgets afslutning",
        _first_day(2021, 11, 1), _last_day(2021, 12, 15), "End of the trial",
    ),
    HistoricWave(
        "revalidering", "jan-2019", "Januar 2019",
        _first_day(2019, 1, 7), _last_day(2019, 1, 31), "January 2019",
    ),
]  # fmt: skip
