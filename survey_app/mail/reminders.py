"""Reminders: to participants who were mailed, have not answered, not opted out, not bounced,
and were not reminded in the last ``MAIL_REMINDER_GAP_DAYS`` days. Optional schedules per wave."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from ..answering.links import link_seal
from ..models import (
    Invitation,
    MailDelivery,
    Mailing,
    Participant,
    SpentLink,
    Wave,
    WaveMailSetting,
    utcnow,
)
from ..waves import WaveState, as_utc, wave_state
from .sending import create_mailing

NOT_SENT = ("failed", "skipped")


def reminder_recipients(
    session: Session,
    wave_id: int,
    municipality_id: int | None,
    seal_key: str,
    gap_days: int,
    now: datetime | None = None,
) -> list[int]:
    """The participants a reminder goes to. Whether a participant has answered is looked up
    through their link's seal, so nothing about it is written anywhere."""
    now = now or utcnow()
    invited = (
        select(MailDelivery.participant_id)
        .join(Mailing, Mailing.id == MailDelivery.mailing_id)
        .where(Mailing.wave_id == wave_id, Mailing.kind == "invitation")
        .where(MailDelivery.status == "sent")
    )
    recently = (
        select(MailDelivery.participant_id)
        .join(Mailing, Mailing.id == MailDelivery.mailing_id)
        .where(Mailing.wave_id == wave_id, Mailing.kind == "reminder")
        .where(MailDelivery.status.not_in(NOT_SENT))
        .where(Mailing.created_at > now - timedelta(days=gap_days))
    )
    query = (
        select(Participant.id, Invitation.token_hash)
        .join(Invitation, Invitation.id == Participant.invitation_id)
        .where(Participant.wave_id == wave_id)
        .where(Participant.opted_out_at.is_(None), Participant.failed_at.is_(None))
        .where(Participant.id.in_(invited), Participant.id.not_in(recently))
        .order_by(Participant.id)
    )
    if municipality_id is not None:
        query = query.where(Participant.municipality_id == municipality_id)
    candidates = list(session.execute(query))
    seals = {link_seal(seal_key, token_hash): pid for pid, token_hash in candidates}
    spent = set(
        session.execute(select(SpentLink.seal).where(SpentLink.seal.in_(list(seals)))).scalars()
    )
    return [pid for seal, pid in seals.items() if seal not in spent]


def queue_reminders(
    session: Session,
    wave: Wave,
    municipality_id: int | None,
    actor: str,
    seal_key: str,
    gap_days: int,
) -> Mailing | None:
    """A reminder mailing to the wave's non-respondents (see ``reminder_recipients``); None if
    nobody is due or the wave is not open."""
    if wave_state(wave) is not WaveState.OPEN:
        return None
    ids = reminder_recipients(session, wave.id, municipality_id, seal_key, gap_days)
    return create_mailing(session, wave, municipality_id, "reminder", sorted(ids), actor)


def parse_reminder_days(text: str) -> list[int]:
    """``"7,14"`` -> [7, 14]; raises ValueError unless whole days between 1 and 365."""
    days = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    if any(day < 1 or day > 365 for day in days) or len(days) > 10:
        raise ValueError("påmindelsesdage skal være hele dage mellem 1 og 365, højst 10")
    return days


def set_reminder_days(session: Session, wave_id: int, days: list[int]) -> None:
    """Store the wave's scheduled reminder days (an empty list turns the schedule off)."""
    setting = session.get(WaveMailSetting, wave_id) or WaveMailSetting(wave_id=wave_id)
    setting.reminder_days = ",".join(str(day) for day in days)
    session.add(setting)


def reminder_days(session: Session, wave_id: int) -> list[int]:
    """The wave's scheduled reminder days (days after the first invitation mailing)."""
    setting = session.get(WaveMailSetting, wave_id)
    return parse_reminder_days(setting.reminder_days) if setting else []


def due_scheduled_reminders(
    session: Session, seal_key: str, gap_days: int, now: datetime | None = None
) -> list[Mailing]:
    """Queue the scheduled reminders that are due: for each wave with a schedule, each day D
    after its first invitation mailing that has passed without a reminder mailing since."""
    now = now or utcnow()
    mailings = []
    for setting in session.execute(select(WaveMailSetting)).scalars():
        wave = session.get(Wave, setting.wave_id)
        first = (
            session.execute(
                select(Mailing.created_at)
                .where(Mailing.wave_id == wave.id, Mailing.kind == "invitation")
                .order_by(Mailing.created_at)
            )
            .scalars()
            .first()
        )
        if first is None or wave_state(wave, now) is not WaveState.OPEN:
            continue
        passed = [
            d
            for d in parse_reminder_days(setting.reminder_days)
            if as_utc(first) + timedelta(days=d) <= now
        ]
        if not passed:
            continue
        since = as_utc(first) + timedelta(days=max(passed))
        done = session.execute(
            select(Mailing.id).where(
                Mailing.wave_id == wave.id, Mailing.kind == "reminder", Mailing.created_at >= since
            )
        ).first()
        if done is None:
            mailing = queue_reminders(session, wave, None, "planlagt påmindelse", seal_key, 0)
            if mailing:
                mailings.append(mailing)
    return mailings
