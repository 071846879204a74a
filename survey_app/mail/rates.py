"""Response rates per wave and municipality, as plain data (for the page, the CSV and reports)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import (
    Invitation,
    LinkDraft,
    MailDelivery,
    Mailing,
    Municipality,
    Participant,
    SpentLink,
)

RATE_HEADER = [
    "kommune",
    "inviteret",
    "mailet",
    "afvist_adresse",
    "fravalgt_paamindelser",
    "paabegyndt",
    "gennemfoert",
    "svarprocent",
]


@dataclass(frozen=True)
class RateRow:
    """One municipality in one wave. ``invited`` counts every invitation (mailed or handed out
    as a link); ``started`` includes the completed; ``rate`` is completed / invited."""

    municipality: str
    invited: int
    mailed: int
    bounced: int
    opted_out: int
    started: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    def csv_row(self) -> list:
        """The row as the CSV has it (rate in per cent with one decimal, empty if unknown)."""
        rate = "" if self.rate is None else f"{self.rate * 100:.1f}"
        return [
            self.municipality,
            self.invited,
            self.mailed,
            self.bounced,
            self.opted_out,
            self.started,
            self.completed,
            rate,
        ]


def _counts(session: Session, query) -> dict[int, int]:
    return {municipality: count for municipality, count in session.execute(query)}


def _by_place(table, wave_id: int, *conditions):
    return (
        select(table.municipality_id, func.count())
        .where(table.wave_id == wave_id, *conditions)
        .group_by(table.municipality_id)
    )


def response_rates(
    session: Session, wave_id: int, municipality_ids: list[int] | None = None
) -> list[RateRow]:
    """Invited, mailed, bounced, opted out, started and completed per municipality of the wave
    (those in ``municipality_ids`` when given), by municipality name."""
    invited = _counts(session, _by_place(Invitation, wave_id))
    completed = _counts(session, _by_place(SpentLink, wave_id))
    drafts = _counts(
        session, _by_place(LinkDraft, wave_id, LinkDraft.seal.not_in(select(SpentLink.seal)))
    )
    bounced = _counts(session, _by_place(Participant, wave_id, Participant.failed_at.is_not(None)))
    opted_out = _counts(
        session, _by_place(Participant, wave_id, Participant.opted_out_at.is_not(None))
    )
    mailed_query = (
        select(Participant.municipality_id, func.count(func.distinct(Participant.id)))
        .join(MailDelivery, MailDelivery.participant_id == Participant.id)
        .join(Mailing, Mailing.id == MailDelivery.mailing_id)
        .where(
            Participant.wave_id == wave_id,
            Mailing.kind == "invitation",
            MailDelivery.status == "sent",
        )
        .group_by(Participant.municipality_id)
    )
    mailed = _counts(session, mailed_query)
    ids = [i for i in invited if municipality_ids is None or i in municipality_ids]
    names = dict(
        session.execute(
            select(Municipality.id, Municipality.name).where(Municipality.id.in_(ids))
        ).all()
    )
    rows = [
        RateRow(
            municipality=names[i],
            invited=invited[i],
            mailed=mailed.get(i, 0),
            bounced=bounced.get(i, 0),
            opted_out=opted_out.get(i, 0),
            started=completed.get(i, 0) + drafts.get(i, 0),
            completed=completed.get(i, 0),
        )
        for i in ids
    ]
    return sorted(rows, key=lambda row: row.municipality)


def group_counts(session: Session, wave_id: int, municipality_id: int | None) -> tuple[int, int]:
    """(invited, completed) of the wave, in one municipality or all."""
    rows = response_rates(session, wave_id, [municipality_id] if municipality_id else None)
    return sum(r.invited for r in rows), sum(r.completed for r in rows)
