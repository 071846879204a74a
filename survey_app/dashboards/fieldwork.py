"""Fieldwork figures per questionnaire, wave and municipality, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from ..access import municipality_condition
from ..models import Invitation, Municipality, QuestionnaireVersion, Response, Wave
from ..waves import WaveState, wave_state


@dataclass(frozen=True)
class FieldworkRow:
    """One wave in one municipality: invited, started, completed, last answer."""

    questionnaire: str
    version: int
    title: str
    wave: Wave
    municipality: str
    invited: int
    started: int
    completed: int
    last_answer: datetime | None
    anonymous: bool

    @property
    def response_rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    @property
    def state(self) -> WaveState:
        return wave_state(self.wave)


def fieldwork_rows(session: Session, user) -> list[FieldworkRow]:
    """Invitation and response counts per wave and municipality the user may see."""
    started = case((or_(Invitation.used, Invitation.draft_saved_at.is_not(None)), 1), else_=0)
    invitations = (
        select(
            Invitation.wave_id,
            Invitation.municipality_id,
            func.count().label("invited"),
            func.sum(started).label("started"),
            func.sum(case((Invitation.used, 1), else_=0)).label("completed"),
        )
        .where(municipality_condition(user, Invitation.municipality_id))
        .group_by(Invitation.wave_id, Invitation.municipality_id)
        .subquery()
    )
    last_answers = (
        select(
            Response.wave_id,
            Response.municipality_id,
            func.max(Response.submitted_at).label("last_answer"),
        )
        .where(Response.wave_id.is_not(None))
        .group_by(Response.wave_id, Response.municipality_id)
        .subquery()
    )
    query = (
        select(
            QuestionnaireVersion.key,
            QuestionnaireVersion.version,
            QuestionnaireVersion.title,
            QuestionnaireVersion.anonymous,
            Wave,
            Municipality.name,
            invitations.c.invited,
            invitations.c.started,
            invitations.c.completed,
            last_answers.c.last_answer,
        )
        .join_from(invitations, Wave, Wave.id == invitations.c.wave_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .join(Municipality, Municipality.id == invitations.c.municipality_id)
        .outerjoin(
            last_answers,
            (last_answers.c.wave_id == invitations.c.wave_id)
            & (last_answers.c.municipality_id == invitations.c.municipality_id),
        )
        .order_by(QuestionnaireVersion.key, Wave.opens_at.desc(), Municipality.name)
    )
    return [
        FieldworkRow(
            questionnaire=key,
            version=version,
            title=title,
            anonymous=anonymous,
            wave=wave,
            municipality=name,
            invited=invited,
            started=int(started or 0),
            completed=int(completed or 0),
            last_answer=last,
        )
        for key, version, title, anonymous, wave, name, invited, started, completed, last in (
            session.execute(query)
        )
    ]


def all_waves(session: Session) -> list[tuple[str, Wave]]:
    """Every wave with its questionnaire key, open ones first."""
    query = (
        select(QuestionnaireVersion.key, Wave)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .order_by(QuestionnaireVersion.key, Wave.opens_at.desc())
    )
    return [(key, wave) for key, wave in session.execute(query)]
