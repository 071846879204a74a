"""Ledelsestilsyn: management enters one checklist per reviewed case, stored as a response
without invitation or wave (like the tablet's), and tallied per municipality."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from analysis.counts import ALL_GROUP, CountTable

from ..access import municipality_condition
from ..answering.responses import AnswerValue, answer_rows
from ..models import Answer, Municipality, QuestionnaireVersion, Response, utcnow
from ..registry import definition_of, find_version

CHECKLIST = "ledelsestilsyn"
NO_WAVE = "loebende"  # the label of answers collected case by case, outside any wave
NO_WAVE_TITLE = "Løbende indsamling"


class CaseAlreadyStored(Exception):
    """The same form was sent twice; the case is stored once."""


def checklist_version(session: Session) -> QuestionnaireVersion | None:
    """The newest stored version of the ledelsestilsyn checklist."""
    return find_version(session, CHECKLIST)


def store_case(
    session: Session,
    version: QuestionnaireVersion,
    municipality: Municipality,
    answers: Mapping[str, AnswerValue],
    submission_key: str,
    is_demo: bool = False,
    response_id: str | None = None,
    now=None,
) -> Response:
    """Store one reviewed case: a response with only its date and no link to who entered it;
    ``submission_key`` (from the form) makes a resent form store nothing twice."""
    definition = definition_of(version)
    response = Response(
        id=response_id or str(uuid.uuid4()),
        questionnaire_version_id=version.id,
        wave_id=None,
        municipality_id=municipality.id,
        submitted_at=(now or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0),
        is_demo=is_demo,
        submission_key=submission_key,
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError as exc:
        raise CaseAlreadyStored() from exc
    session.add_all(row.as_orm() for row in answer_rows(definition, response.id, answers))
    session.flush()
    return response


def unwaved_count_table(session: Session, user, key: str) -> CountTable:
    """Answer counts of the responses collected outside waves (cases, tablet answers) per
    item, municipality and missing code, under the wave label ``NO_WAVE``, with ``alle``."""
    query = (
        select(
            Answer.item_key,
            Municipality.name,
            Answer.value,
            Answer.missing,
            func.count(),
        )
        .join(Response, Response.id == Answer.response_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .join(Municipality, Municipality.id == Response.municipality_id)
        .where(
            QuestionnaireVersion.key == key,
            Response.wave_id.is_(None),
            municipality_condition(user, Response.municipality_id),
        )
        .group_by(Answer.item_key, Municipality.name, Answer.value, Answer.missing)
    )
    rows = ((i, m, NO_WAVE, v, mi, c) for i, m, v, mi, c in session.execute(query))
    return CountTable.from_records(rows).with_total(ALL_GROUP)


def cases_entered(session: Session, municipality_ids: list[int]) -> int:
    """How many cases have been entered for these municipalities."""
    query = (
        select(func.count())
        .select_from(Response)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(
            QuestionnaireVersion.key == CHECKLIST, Response.municipality_id.in_(municipality_ids)
        )
    )
    return int(session.execute(query).scalar_one())
