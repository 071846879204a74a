"""Reference data from the seeds: the trial municipalities and the historic survey waves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


# Seed 003: ledighedsydelse in January 2019 and summer 2020; mentor in January 2019 and at the end
# of the trial; revalidering half a year after the 1 July 2018 start.
HISTORIC_WAVES: list[HistoricWave] = [
    HistoricWave("ledighedsydelse", "jan-2019", "Januar 2019", _utc(2019, 1, 7), _utc(2019, 2, 1)),
    HistoricWave(
        "ledighedsydelse", "sommer-2020", "Sommer 2020", _utc(2020, 6, 1), _utc(2020, 9, 1)
    ),
    HistoricWave("mentor", "jan-2019", "Januar 2019", _utc(2019, 1, 7), _utc(2019, 2, 1)),
    HistoricWave(
        "mentor",
        "forsoegsafslutning",
        "Forsøgets afslutning",
        _utc(2021, 11, 1),
        _utc(2021, 12, 16),
    ),
    HistoricWave("revalidering", "jan-2019", "Januar 2019", _utc(2019, 1, 7), _utc(2019, 2, 1)),
]
