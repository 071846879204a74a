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
    """A wave the seeds date, created on ``version`` of its questionnaire when that is loaded."""

    questionnaire: str
    key: str
    title: str
    opens_at: datetime
    closes_at: datetime
    title_en: str | None = None
    version: int = 1


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _first_day(year: int, month: int, day: int) -> datetime:
    """The start of a day in Danish time (the seeds give Danish dates)."""
    return datetime(year, month, day, tzinfo=COPENHAGEN).astimezone(UTC)


def _last_day(year: int, month: int, day: int) -> datetime:
    """The last second of a day in Danish time: a wave is open through its last day."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=COPENHAGEN).astimezone(UTC)


# Seed 003: ledighedsydelse in January 2019 and summer 2020; mentor in January 2019 and at the
# end of the trial; revalidering half a year after the 1 July 2018 start; the management
# supervision of extended resource courses (ressourceforloeb-tilsyn) once a year, "Første gang
# juli 2019 og sidste gang i juli 2021"; the mentor case review after the count of exemptions
# "ved forsøgets afslutning". Seed 004: the trials were extended to the end of 2022, so "the end
# of the trial" is the end of 2022 (migration 0007 moved the mentor wave in existing databases;
# the seed gives no exact days: the window is the original end-of-trial one, a year later).
# Every historic wave is on version 1: the seed asks the same questions in a questionnaire's
# waves so that they can be compared, and answers already collected stay with version 1. Later
# versions (mentor v2, ledelsestilsyn v2, revalidering v2) are for new waves (create-wave).
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
        _first_day(2022, 11, 1), _last_day(2022, 12, 15), "End of the trial",
    ),
    HistoricWave(
        "revalidering", "jan-2019", "Januar 2019",
        _first_day(2019, 1, 7), _last_day(2019, 1, 31), "January 2019",
    ),
    *(
        HistoricWave(
            "ressourceforloeb-tilsyn", f"juli-{year}", f"Juli {year}",
            _first_day(year, 7, 1), _last_day(year, 7, 31), f"July {year}",
        )
        for year in (2019, 2020, 2021)
    ),
    HistoricWave(
        "mentor-sagsgennemgang", "forsoegsafslutning", "Forsøgets afslutning",
        _first_day(2022, 11, 1), _last_day(2022, 12, 15), "End of the trial",
    ),
]  # fmt: skip
