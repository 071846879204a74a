"""``survey-app`` commands for fieldwork by e-mail: lists, mailings, the worker, purging."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..audit import record
from ..db import get_session
from ..registry import find_municipality
from ..waves import find_wave
from .participants import (
    ParticipantError,
    add_participants,
    expired_waves,
    parse_participants,
    purge_participants,
)
from .queue import QueueUnavailable, enqueue_mailing, run_worker
from .reminders import due_scheduled_reminders, queue_reminders
from .sending import check_can_send, queue_invitations
from .transport import MailConfigurationError


def _actor() -> str:
    from ..cli import _cli_actor

    return _cli_actor()


def _wave(questionnaire: str, wave_key: str):
    wave = find_wave(get_session(), questionnaire, wave_key)
    if wave is None:
        raise click.ClickException(f"questionnaire '{questionnaire}' has no wave '{wave_key}'")
    return wave


def _place(name: str | None):
    if name is None:
        return None
    place = find_municipality(get_session(), name)
    if place is None:
        raise click.ClickException(f"unknown municipality '{name}'")
    return place


def _enqueue(mailing, what: str) -> None:
    if mailing is None:
        click.echo(f"no {what} to send")
        return
    try:
        how = enqueue_mailing(current_app, mailing.id)
    except QueueUnavailable as exc:
        stored = "the mailing is stored and goes out when a worker starts"
        raise click.ClickException(f"{exc}; {stored}") from exc
    click.echo(f"{what} to {mailing.recipients} participants {how} (mailing {mailing.id})")


def _audit_purge(session, wave, count: int) -> None:
    record(session, "purge_participants", actor=_actor(), target=f"wave {wave.key} x{count}")
    click.echo(f"purged {count} participants of wave {wave.key}")


wave_options = [
    click.option("--questionnaire", "questionnaire", required=True, help="Questionnaire key."),
    click.option("--wave", "wave_key", required=True, help="Wave key."),
]


def _with_wave(command):
    for option in reversed(wave_options):
        command = option(command)
    return command


def register_mail_commands(main: click.Group) -> None:
    """Add the e-mail commands to the ``survey-app`` group."""

    @main.command("add-participants")
    @_with_wave
    @click.option("--municipality", required=True, help="Short name, e.g. Aalborg.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def add_participants_command(questionnaire, wave_key, municipality, file):
        """Put the addresses in FILE (CSV) on the wave's list; all or nothing."""
        session = get_session()
        wave, place = _wave(questionnaire, wave_key), _place(municipality)
        try:
            rows = parse_participants(file.read_bytes())
            link_key = current_app.config["MAIL_LINK_KEY"]
            added = add_participants(session, wave, place, rows, link_key)
        except ParticipantError as exc:
            session.rollback()
            raise click.ClickException("nothing added:\n  " + "\n  ".join(exc.problems)) from exc
        record(
            session,
            "add_participants",
            actor=_actor(),
            target=f"{questionnaire}/{wave_key} x{len(added)}",
            municipality=place.name,
        )
        session.commit()
        click.echo(f"added {len(added)} participants to {questionnaire}/{wave_key} in {place.name}")

    @main.command("send-invitations")
    @_with_wave
    @click.option("--municipality", default=None, help="Only this municipality.")
    def send_invitations_command(questionnaire, wave_key, municipality):
        """Queue the invitation mailing to participants not invited yet."""
        session = get_session()
        wave, place = _wave(questionnaire, wave_key), _place(municipality)
        try:
            check_can_send(current_app.config)
        except MailConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc
        mailing = queue_invitations(session, wave, place.id if place else None, _actor())
        session.commit()
        _enqueue(mailing, "invitations")

    @main.command("remind")
    @_with_wave
    @click.option("--municipality", default=None, help="Only this municipality.")
    def remind_command(questionnaire, wave_key, municipality):
        """Queue a reminder to participants who have not answered (nor opted out or bounced)."""
        session = get_session()
        wave, place = _wave(questionnaire, wave_key), _place(municipality)
        config = current_app.config
        try:
            check_can_send(config)
        except MailConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc
        mailing = queue_reminders(
            session,
            wave,
            place.id if place else None,
            _actor(),
            config["SEAL_KEY"],
            config["MAIL_REMINDER_GAP_DAYS"],
        )
        session.commit()
        _enqueue(mailing, "reminders")

    @main.command("worker")
    @click.option("--burst", is_flag=True, help="Work off what is queued, then exit.")
    def worker_command(burst):
        """Send queued mailings (RQ worker on SURVEY_APP_REDIS_URL)."""
        import redis

        app = current_app._get_current_object()
        try:
            run_worker(app, burst=burst)
        except redis.RedisError as exc:
            raise click.ClickException(f"Redis at {app.config['REDIS_URL']}: {exc}") from exc

    @main.command("purge-participants")
    @click.option("--questionnaire", "questionnaire", default=None, help="With --wave.")
    @click.option("--wave", "wave_key", default=None, help="Purge this wave's list.")
    @click.option("--expired", is_flag=True, help="Purge lists of waves closed long enough ago.")
    def purge_participants_command(questionnaire, wave_key, expired):
        """Delete participant lists (addresses, names, delivery records); counts stay."""
        session = get_session()
        if expired == bool(wave_key):
            raise click.UsageError("give either --wave (with --questionnaire) or --expired")
        if expired:
            waves = expired_waves(session, current_app.config["MAIL_PURGE_AFTER_DAYS"])
        elif not questionnaire:
            raise click.UsageError("--wave needs --questionnaire")
        else:
            waves = [_wave(questionnaire, wave_key)]
        for wave in waves:
            count = purge_participants(session, wave.id)
            _audit_purge(session, wave, count)
        session.commit()

    @main.command("mail-cron")
    def mail_cron_command():
        """For cron: queue scheduled reminders that are due and purge expired participant lists."""
        session = get_session()
        config = current_app.config
        gap = config["MAIL_REMINDER_GAP_DAYS"]
        mailings = due_scheduled_reminders(session, config["SEAL_KEY"], gap)
        for wave in expired_waves(session, config["MAIL_PURGE_AFTER_DAYS"]):
            count = purge_participants(session, wave.id)
            _audit_purge(session, wave, count)
        session.commit()
        for mailing in mailings:
            _enqueue(mailing, "scheduled reminders")
