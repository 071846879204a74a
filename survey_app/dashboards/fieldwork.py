"""Fieldwork figures per questionnaire, wave and municipality, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from ..access import municipality_condition
from ..invitations import takes_invitations
from ..models import (
    Invitation,
    LinkDraft,
    Municipality,
    QuestionnaireVersion,
    Response,
    SpentLink,
    Wave,
)
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


def _per_group(table, label: str, *conditions):
    return (
        select(table.wave_id, table.municipality_id, func.count().label(label))
        .where(*conditions)
        .group_by(table.wave_id, table.municipality_id)
        .subquery()
    )


def _same_group(counts, invitations):
    return (counts.c.wave_id == invitations.c.wave_id) & (
        counts.c.municipality_id == invitations.c.municipality_id
    )


def fieldwork_rows(session: Session, user) -> list[FieldworkRow]:
    """Invitation and response counts per wave and municipality the user may see."""
    group = (Invitation.wave_id, Invitation.municipality_id)
    invitations = (
        select(*group, func.count().label("invited"))
        .where(municipality_condition(user, Invitation.municipality_id))
        .group_by(*group)
        .subquery()
    )
    # Used-marks and drafts are counted per group: they cannot be tied to single invitations.
    spent = _per_group(SpentLink, "completed")
    drafts = _per_group(LinkDraft, "drafts", LinkDraft.seal.not_in(select(SpentLink.seal)))
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
            func.coalesce(spent.c.completed, 0) + func.coalesce(drafts.c.drafts, 0),
            spent.c.completed,
            last_answers.c.last_answer,
        )
        .join_from(invitations, Wave, Wave.id == invitations.c.wave_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .join(Municipality, Municipality.id == invitations.c.municipality_id)
        .outerjoin(spent, _same_group(spent, invitations))
        .outerjoin(drafts, _same_group(drafts, invitations))
        .outerjoin(
            last_answers,
            _same_group(last_answers, invitations),
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


@dataclass(frozen=True)
class WaveGroup:
    """One wave's rows, one per municipality."""

    wave: Wave
    version: int
    rows: list[FieldworkRow]

    @property
    def state(self) -> WaveState:
        return wave_state(self.wave)


@dataclass(frozen=True)
class QuestionnaireGroup:
    """One questionnaire's waves, newest first: the title is shown once for all of them."""

    questionnaire: str
    title: str
    waves: list[WaveGroup]


def grouped(rows: list[FieldworkRow]) -> list[QuestionnaireGroup]:
    """The rows grouped by questionnaire and wave, keeping their order."""
    groups: list[QuestionnaireGroup] = []
    for row in rows:
        if not groups or groups[-1].questionnaire != row.questionnaire:
            groups.append(QuestionnaireGroup(row.questionnaire, row.title, []))
        waves = groups[-1].waves
        if not waves or waves[-1].wave.id != row.wave.id:
            waves.append(WaveGroup(row.wave, row.version, []))
        waves[-1].rows.append(row)
    return groups


def invitable_waves(session: Session) -> list[tuple[str, Wave]]:
    """The waves links can be made for (open or not yet open), with their questionnaire key."""
    query = (
        select(QuestionnaireVersion.key, Wave)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .order_by(QuestionnaireVersion.key, Wave.opens_at.desc())
    )
    return [(key, wave) for key, wave in session.execute(query) if takes_invitations(wave)]
