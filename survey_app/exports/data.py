"""One questionnaire version's responses in wide form: one record per response, one code per item.

Missing answers become numeric codes, as SPSS users expect: ``ved_ikke`` is 98 and ``ubesvaret``
(skipped) is 99. Every format writes these same codes and the codebook explains them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, true
from sqlmodel import Session

from ..export import answered_at_text
from ..models import Answer, Municipality, QuestionnaireVersion, Response, Wave
from ..questionnaire_schema import Questionnaire

MISSING_CODES = {"ved_ikke": 98, "ubesvaret": 99}
ID_COLUMNS = [
    "response_id",
    "respondent_key",
    "questionnaire",
    "version",
    "wave",
    "municipality",
    "answered_at",
]
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Selection:
    """What to export: one stored version, optionally one wave, and a municipality condition.

    ``municipality_filter`` is a SQL condition on ``Response.municipality_id``; the view builds it
    from ``access.municipality_condition`` and the requested municipality.
    """

    version: QuestionnaireVersion
    definition: Questionnaire
    wave: str | None = None
    municipality_filter: object = field(default_factory=true)
    include_demo: bool = True


@dataclass(frozen=True)
class WideRecord:
    """One response: its identifying columns and a numeric code per item key."""

    response_id: str
    respondent_key: str
    questionnaire: str
    version: int
    wave: str
    municipality: str
    answered_at: str
    codes: dict[str, int | None]

    def id_values(self) -> list[str | int]:
        """The identifying columns, in the order of ``ID_COLUMNS``."""
        return [
            self.response_id,
            self.respondent_key,
            self.questionnaire,
            self.version,
            self.wave,
            self.municipality,
            self.answered_at,
        ]


def answer_code(value: int | None, missing: str | None) -> int | None:
    """The numeric code of a stored answer: the option code, or the missing code (98/99)."""
    if value is not None:
        return value
    return MISSING_CODES.get(missing or "")


def _query(selection: Selection):
    query = (
        select(
            Answer.response_id,
            Answer.item_key,
            Answer.value,
            Answer.missing,
            Response.respondent_key,
            Response.submitted_at,
            Wave.key,
            Municipality.name,
        )
        .join(Response, Answer.response_id == Response.id)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .outerjoin(Wave, Response.wave_id == Wave.id)
        .where(Response.questionnaire_version_id == selection.version.id)
        .where(selection.municipality_filter)
    )
    if selection.wave:
        query = query.where(Wave.key == selection.wave)
    if not selection.include_demo:
        query = query.where(Response.is_demo.is_(False))
    return query.order_by(Response.submitted_at, Response.id, Answer.position)


def wide_records(session: Session, selection: Selection) -> Iterator[WideRecord]:
    """The selected responses in wide form, streamed from the database in batches."""
    version = selection.version
    result = session.execute(_query(selection).execution_options(yield_per=BATCH_SIZE))
    for response_id, rows in itertools.groupby(result, key=lambda row: row[0]):
        codes: dict[str, int | None] = {}
        for row in rows:
            _, item_key, value, missing, respondent_key, submitted_at, wave, place = row
            codes[item_key] = answer_code(value, missing)
        yield WideRecord(
            response_id=response_id,
            respondent_key=respondent_key or "",
            questionnaire=version.key,
            version=version.version,
            wave=wave or "",
            municipality=place,
            answered_at=answered_at_text(submitted_at, version.anonymous),
            codes=codes,
        )
