"""Mailings: who gets a message, and sending them at most once each.

Each message of a mailing is a ``mail_delivery`` row. Before the SMTP conversation the row is
claimed (``queued``/``deferred`` -> ``sending``, a conditional UPDATE committed on its own); after
it the row becomes ``sent``, ``deferred`` (4xx: retried later with backoff) or ``failed`` (5xx or a
refused recipient: the participant is marked). A job that runs again never touches a row someone
has claimed, so two jobs for one mailing cannot both send a message. A worker killed during the
SMTP conversation leaves its row ``sending``; once older than ``MAIL_SENDING_STALE_SECONDS`` it is
marked ``uncertain`` and NOT resent: the server may have accepted it, and the issue asks for at
most once. A later reminder reaches that participant if they have not answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlmodel import Session

from ..answering.links import is_spent, link_seal
from ..formatting import danish_date
from ..models import (
    MailDelivery,
    Mailing,
    Municipality,
    Participant,
    QuestionnaireVersion,
    Wave,
    utcnow,
)
from ..waves import as_utc
from .links import opt_out_link, participant_link
from .messages import MailValues, compose, mail_texts, new_message_id
from .rates import group_counts
from .transport import (
    MailConfigurationError,
    PermanentFailure,
    TemporaryFailure,
    parse_smtp_url,
    send_smtp,
    write_to_folder,
)

OPEN_STATUSES = ("queued", "deferred")
STATUS_NAMES = {
    "queued": "i kø",
    "deferred": "venter på nyt forsøg",
    "sending": "sendes",
    "sent": "sendt",
    "failed": "fejlet",
    "uncertain": "usikker (afbrudt under afsendelse)",
    "skipped": "sprunget over",
}


def check_can_send(config: dict) -> None:
    """Raise MailConfigurationError if mails could not leave (production without SMTP)."""
    if config.get("SMTP_URL"):
        parse_smtp_url(config["SMTP_URL"])
    elif config["ENV_NAME"] == "production":
        raise MailConfigurationError(
            "SURVEY_APP_SMTP_URL is not set: e-mails cannot be sent. "
            "Set it to smtp://user:password@host:587."
        )


def create_mailing(
    session: Session,
    wave: Wave,
    municipality_id: int | None,
    kind: str,
    participant_ids: list[int],
    actor: str,
) -> Mailing | None:
    """A mailing of ``kind`` to these participants with one queued delivery each, and the
    wave's invited and completed counts now (for the rate before/after); None if nobody."""
    if not participant_ids:
        return None
    invited, completed = group_counts(session, wave.id, municipality_id)
    mailing = Mailing(
        wave_id=wave.id,
        municipality_id=municipality_id,
        kind=kind,
        created_by=actor[:254],
        recipients=len(participant_ids),
        invited_before=invited,
        completed_before=completed,
    )
    session.add(mailing)
    session.flush()
    for participant_id in participant_ids:
        session.add(MailDelivery(mailing_id=mailing.id, participant_id=participant_id))
    session.flush()
    return mailing


def _scope(query, wave_id: int, municipality_id: int | None):
    query = query.where(Participant.wave_id == wave_id)
    if municipality_id is not None:
        query = query.where(Participant.municipality_id == municipality_id)
    return query


def uninvited_participants(
    session: Session, wave_id: int, municipality_id: int | None
) -> list[int]:
    """Participants of the wave not yet in an invitation mailing (and not failed)."""
    invited = (
        select(MailDelivery.participant_id)
        .join(Mailing, Mailing.id == MailDelivery.mailing_id)
        .where(Mailing.kind == "invitation", Mailing.wave_id == wave_id)
    )
    query = _scope(select(Participant.id), wave_id, municipality_id).where(
        Participant.failed_at.is_(None), Participant.id.not_in(invited)
    )
    return list(session.execute(query.order_by(Participant.id)).scalars())


def queue_invitations(
    session: Session, wave: Wave, municipality_id: int | None, actor: str
) -> Mailing | None:
    """An invitation mailing to every participant of the wave not invited yet; None if none."""
    ids = uninvited_participants(session, wave.id, municipality_id)
    return create_mailing(session, wave, municipality_id, "invitation", ids, actor)


@dataclass
class SendContext:
    """What sending a mailing needs from the app's configuration."""

    config: dict
    instance_path: Path
    sleep: Callable[[float], None] = time.sleep

    def deliver(self, message, name: str) -> None:
        if self.config.get("SMTP_URL"):
            send_smtp(parse_smtp_url(self.config["SMTP_URL"]), message)
        else:
            check_can_send(self.config)
            write_to_folder(self.instance_path / "mail", message, name)


def mark_stale_sending(session: Session, stale_seconds: int, mailing_id: int | None = None) -> int:
    """Mark ``sending`` rows claimed longer ago than ``stale_seconds`` as ``uncertain`` (their
    worker died mid-conversation; they are not resent). Returns how many."""
    cutoff = utcnow() - timedelta(seconds=stale_seconds)
    query = update(MailDelivery).where(
        MailDelivery.status == "sending", MailDelivery.claimed_at <= cutoff
    )
    if mailing_id is not None:
        query = query.where(MailDelivery.mailing_id == mailing_id)
    count = session.execute(query.values(status="uncertain")).rowcount
    session.commit()
    return count


def _claim(session: Session, delivery: MailDelivery, sender: str) -> bool:
    """Take the delivery for this worker, committed before any SMTP traffic."""
    claimed = session.execute(
        update(MailDelivery)
        .where(MailDelivery.id == delivery.id, MailDelivery.status.in_(OPEN_STATUSES))
        .values(
            status="sending",
            claimed_at=utcnow(),
            attempts=MailDelivery.attempts + 1,
            message_id=func.coalesce(MailDelivery.message_id, new_message_id(sender, delivery.id)),
        )
    ).rowcount
    session.commit()
    return claimed == 1


def _next_due(session: Session, mailing_id: int, now: datetime) -> MailDelivery | None:
    query = (
        select(MailDelivery)
        .where(MailDelivery.mailing_id == mailing_id, MailDelivery.status.in_(OPEN_STATUSES))
        .where((MailDelivery.next_attempt_at.is_(None)) | (MailDelivery.next_attempt_at <= now))
        .order_by(MailDelivery.id)
    )
    return session.execute(query).scalars().first()


def _values(ctx: SendContext, participant: Participant, wave: Wave, title: str, place: str):
    base, key = ctx.config["BASE_URL"], ctx.config["MAIL_LINK_KEY"]
    return MailValues(
        titel=title,
        runde=wave.title,
        lukker=danish_date(as_utc(wave.closes_at) - timedelta(seconds=1)),
        kommune=place,
        navn=participant.name or "deltager",
        link=participant_link(base, key, participant.link_nonce),
        afmeld=opt_out_link(base, key, participant.link_nonce),
    )


def _no_longer_wanted(session: Session, ctx: SendContext, mailing: Mailing, participant) -> bool:
    """A reminder to someone who has since answered, opted out or bounced is skipped."""
    if participant is None or participant.failed_at is not None:
        return True
    if mailing.kind != "reminder":
        return False
    if participant.opted_out_at is not None:
        return True
    from ..models import Invitation

    invitation = session.get(Invitation, participant.invitation_id)
    return is_spent(session, link_seal(ctx.config["SEAL_KEY"], invitation.token_hash))


def _record(session: Session, delivery_id: int, participant: Participant, **values) -> None:
    session.execute(update(MailDelivery).where(MailDelivery.id == delivery_id).values(**values))
    if values.get("status") == "failed":
        participant.failed_at = utcnow()
        participant.failure_reason = values.get("last_error")
        session.add(participant)
    session.commit()


def _send_one(session, ctx, mailing, delivery, texts, wave, title, place) -> str:
    """Claim, send and record one delivery; returns its new status (or '' if not claimed)."""
    sender = ctx.config["MAIL_FROM"]
    if not _claim(session, delivery, sender):
        return ""
    session.refresh(delivery)
    participant = session.get(Participant, delivery.participant_id)
    if _no_longer_wanted(session, ctx, mailing, participant):
        _record(session, delivery.id, participant, status="skipped")
        return "skipped"
    values = _values(ctx, participant, wave, title, place)
    message = compose(texts, mailing.kind, values, sender, participant.email, delivery.message_id)
    delays = ctx.config["MAIL_RETRY_DELAYS"]
    try:
        ctx.deliver(message, f"{mailing.kind}-{mailing.id}-{delivery.id}")
    except TemporaryFailure as exc:
        if delivery.attempts > len(delays):
            reason = f"opgivet efter {delivery.attempts} forsøg: {exc}"[:300]
            _record(session, delivery.id, participant, status="failed", last_error=reason)
            return "failed"
        retry_at = utcnow() + timedelta(seconds=delays[delivery.attempts - 1])
        _record(
            session,
            delivery.id,
            participant,
            status="deferred",
            last_error=str(exc)[:300],
            next_attempt_at=retry_at,
        )
        return "deferred"
    except PermanentFailure as exc:
        _record(session, delivery.id, participant, status="failed", last_error=str(exc)[:300])
        return "failed"
    _record(session, delivery.id, participant, status="sent", sent_at=utcnow())
    return "sent"


def send_mailing(
    session: Session, ctx: SendContext, mailing_id: int, batch: int = 50
) -> float | None:
    """Send up to ``batch`` due messages of the mailing, throttled to ``MAIL_RATE_PER_MINUTE``.
    Returns the seconds until the next message is due (0: more are due now), or None if none is
    left. Short batches let a worker stop between them without cutting a message off."""
    mailing = session.get(Mailing, mailing_id)
    if mailing is None:
        return None
    mark_stale_sending(session, ctx.config["MAIL_SENDING_STALE_SECONDS"], mailing_id)
    wave = session.get(Wave, mailing.wave_id)
    version = session.get(QuestionnaireVersion, wave.questionnaire_version_id)
    texts = mail_texts(ctx.config["QUESTIONNAIRE_DIR"], version.key)
    places = dict(session.execute(select(Municipality.id, Municipality.name)).all())
    pause = 60.0 / ctx.config["MAIL_RATE_PER_MINUTE"]
    handled = 0
    while (delivery := _next_due(session, mailing_id, utcnow())) is not None:
        if handled >= batch:
            return 0.0
        participant = session.get(Participant, delivery.participant_id)
        place = places[participant.municipality_id]
        if _send_one(session, ctx, mailing, delivery, texts, wave, version.title, place):
            handled += 1
            ctx.sleep(pause)
    waiting = session.execute(
        select(func.min(MailDelivery.next_attempt_at)).where(
            MailDelivery.mailing_id == mailing_id, MailDelivery.status == "deferred"
        )
    ).scalar_one()
    if waiting is None:
        return None
    return max(0.0, (as_utc(waiting) - utcnow()).total_seconds())


def unfinished_mailings(session: Session) -> list[int]:
    """Mailings with messages still queued or deferred."""
    query = select(MailDelivery.mailing_id).where(MailDelivery.status.in_(OPEN_STATUSES))
    return sorted(set(session.execute(query.distinct()).scalars()))


def _rate(invited: int, completed: int) -> float | None:
    return completed / invited if invited else None


@dataclass(frozen=True)
class MailingSummary:
    """One mailing as the page shows it: counts per status, and the response rate of its scope
    (wave, or wave and municipality) when it was made and after it: when the next mailing of
    the same scope was made, or now for the newest."""

    mailing: Mailing
    municipality: str | None
    statuses: dict[str, int]
    rate_after: float | None

    @property
    def rate_before(self) -> float | None:
        return _rate(self.mailing.invited_before, self.mailing.completed_before)


def mailing_summaries(session: Session, wave_id: int, municipality_ids: list[int] | None):
    """The wave's mailings, newest first, with their delivery counts per status."""
    query = (
        select(Mailing, Municipality.name)
        .outerjoin(Municipality, Municipality.id == Mailing.municipality_id)
        .where(Mailing.wave_id == wave_id)
        .order_by(Mailing.created_at.desc(), Mailing.id.desc())
    )
    if municipality_ids is not None:
        query = query.where(Mailing.municipality_id.in_(municipality_ids))
    summaries, later = [], {}
    for mailing, name in session.execute(query).all():
        scope = mailing.municipality_id
        if scope not in later:
            later[scope] = _rate(*group_counts(session, wave_id, scope))
        counts = session.execute(
            select(MailDelivery.status, func.count())
            .where(MailDelivery.mailing_id == mailing.id)
            .group_by(MailDelivery.status)
        )
        summaries.append(MailingSummary(mailing, name, dict(counts.all()), later[scope]))
        later[scope] = _rate(mailing.invited_before, mailing.completed_before)
    return summaries
