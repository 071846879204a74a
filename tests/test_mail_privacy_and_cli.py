"""Anonymity and personal data in fieldwork by e-mail, and the e-mail commands."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.export import ExportFilter, export_rows
from survey_app.invitations import find_invitation
from survey_app.mail.links import participant_token
from survey_app.models import AuditEvent, Invitation, Participant, Response, utcnow
from survey_app.waves import find_wave
from tests.conftest import count_rows, make_test_app, open_wave
from tests.test_answering import FULL_ANSWERS, post
from tests.test_mail_sending import ADDRESSES, add, mail


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, MAIL_RATE_PER_MINUTE=600000)
    open_wave(app)
    yield app
    app.extensions["db_engine"].dispose()


def everything_stored(app) -> str:
    """Every value in every table, as a database reader sees them."""
    values = []
    with app.app_context():
        session = get_session()
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(text(f"SELECT * FROM {table.name}")):
                values += [str(v) for v in row]
    return "\n".join(values)


def test_a_database_reader_can_neither_make_a_link_nor_tie_an_answer_to_an_address(app):
    add(app)
    mail(app)
    with app.app_context():
        session = get_session()
        anna = session.execute(
            select(Participant).where(Participant.email == "anna@example.dk")
        ).scalar_one()
        token = participant_token(app.config["MAIL_LINK_KEY"], anna.link_nonce)
    client = app.test_client()
    assert post(client, token, FULL_ANSWERS).status_code == 303
    stored = everything_stored(app)
    # The link is nowhere in the database, and what is stored does not make it.
    assert token not in stored
    for guess_key in (anna.link_nonce, app.config["SEAL_KEY"], ""):
        guess = participant_token(guess_key, anna.link_nonce)
        with app.app_context():
            assert find_invitation(get_session(), guess) is None
    assert app.config["MAIL_LINK_KEY"] not in stored and app.config["SEAL_KEY"] not in stored
    # The response keeps no invitation, and its used-mark is not the invitation's hash.
    with app.app_context():
        session = get_session()
        [response] = session.execute(select(Response)).scalars()
        invitation = session.get(Invitation, anna.invitation_id)
    assert response.invitation_id is None
    seal_guesses = {
        invitation.token_hash,
        hashlib.sha256(invitation.token_hash.encode()).hexdigest(),
    }
    with app.app_context():
        seals = set(get_session().execute(text("SELECT seal FROM spent_link")).scalars())
    assert len(seals) == 1 and not seals & seal_guesses


def test_no_address_is_in_any_export(app):
    add(app)
    mail(app)
    client = app.test_client()
    with app.app_context():
        nonce = get_session().execute(select(Participant.link_nonce)).scalars().first()
    post(client, participant_token(app.config["MAIL_LINK_KEY"], nonce), FULL_ANSWERS)
    with app.app_context():
        exported = "\n".join(
            ",".join(map(str, row)) for row in export_rows(get_session(), ExportFilter())
        )
    assert exported and "@example.dk" not in exported


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_add_participants_command_is_all_or_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    base = [
        "add-participants",
        "--questionnaire",
        "ledighedsydelse",
        "--wave",
        "test-open",
        "--municipality",
        "Aalborg",
    ]
    bad = runner.invoke(main, [*base, write(tmp_path, "bad.csv", "a@example.dk\nnope\n")])
    assert bad.exit_code == 1 and "linje 2" in bad.output and "nothing added" in bad.output
    assert count_rows(app, Participant) == 0
    good = runner.invoke(main, [*base, write(tmp_path, "good.csv", "a@example.dk\nb@example.dk\n")])
    assert good.exit_code == 0, good.output
    assert count_rows(app, Participant) == 2 and count_rows(app, Invitation) == 2
    unknown = runner.invoke(main, [*base[:-1], "Atlantis", write(tmp_path, "c.csv", "c@x.dk\n")])
    assert unknown.exit_code == 1 and "unknown municipality" in unknown.output


def test_send_remind_and_purge_commands(app, tmp_path):
    add(app)
    runner = app.test_cli_runner()
    wave = ["--questionnaire", "ledighedsydelse", "--wave", "test-open"]
    sent = runner.invoke(main, ["send-invitations", *wave, "--municipality", "Aalborg"])
    assert sent.exit_code == 0 and "invitations to 3 participants sent" in sent.output
    assert len(list((tmp_path / "instance" / "mail").glob("invitation-*.eml"))) == 3
    reminded = runner.invoke(main, ["remind", *wave])
    assert reminded.exit_code == 0 and "reminders to 3 participants" in reminded.output
    assert "no reminders to send" in runner.invoke(main, ["remind", *wave]).output
    purged = runner.invoke(main, ["purge-participants", *wave])
    assert purged.exit_code == 0 and "purged 3 participants" in purged.output
    assert count_rows(app, Participant) == 0
    assert count_rows(app, Invitation) == 3  # the invitations still count as invited
    assert "@example.dk" not in everything_stored(app).replace("test", "")
    with app.app_context():
        assert "purge_participants" in {
            e.action for e in get_session().execute(select(AuditEvent)).scalars()
        }
    assert runner.invoke(main, ["purge-participants"]).exit_code == 2


def test_mail_cron_sends_scheduled_reminders_and_purges_expired_lists(app, tmp_path):
    from survey_app.mail.reminders import set_reminder_days

    add(app, ADDRESSES[:1])
    mail(app)
    with app.app_context():
        session = get_session()
        found = find_wave(session, "ledighedsydelse", "test-open")
        set_reminder_days(session, found.id, [7])
        session.execute(
            text("UPDATE mailing SET created_at = :t"), {"t": utcnow() - timedelta(days=8)}
        )
        session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["mail-cron"])
    assert "scheduled reminders to 1 participants" in first.output, first.output
    assert "scheduled reminders" not in runner.invoke(main, ["mail-cron"]).output
    # Long after the wave has closed the list is purged by itself.
    with app.app_context():
        session = get_session()
        found = find_wave(session, "ledighedsydelse", "test-open")
        found.closes_at = utcnow() - timedelta(days=app.config["MAIL_PURGE_AFTER_DAYS"] + 1)
        session.commit()
    purged = runner.invoke(main, ["mail-cron"])
    assert "purged 1 participants" in purged.output
    assert count_rows(app, Participant) == 0


def test_mail_texts_can_be_overridden_per_questionnaire_and_are_checked(tmp_path):
    from survey_app.mail.messages import MailTextError, mail_texts

    (tmp_path / "mail").mkdir()
    override = tmp_path / "mail" / "ledighedsydelse.yaml"
    override.write_text('invitation:\n  emne: "Hjælp os: {titel}"\n', encoding="utf-8")
    texts = mail_texts(tmp_path, "ledighedsydelse")
    assert texts["invitation"]["emne"] == "Hjælp os: {titel}"
    assert "{link}" in texts["invitation"]["tekst"]
    override.write_text('invitation:\n  tekst: "Uden link {afmeld}"\n', encoding="utf-8")
    with pytest.raises(MailTextError, match="link"):
        mail_texts(tmp_path, "ledighedsydelse")
    override.write_text('invitation:\n  emne: "{ukendt}"\n', encoding="utf-8")
    with pytest.raises(MailTextError, match="ukendt"):
        mail_texts(tmp_path, "ledighedsydelse")
    override.write_text("afsendr: x\n", encoding="utf-8")
    with pytest.raises(MailTextError, match="afsendr"):
        mail_texts(tmp_path, "ledighedsydelse")


def test_demo_data_can_be_replaced_when_the_demo_wave_has_a_participant_list(app):
    from survey_app.demo import ensure_open_demo_wave, remove_demo_data
    from survey_app.mail.participants import add_participants, parse_participants
    from survey_app.mail.sending import queue_invitations
    from survey_app.registry import find_municipality

    with app.app_context():
        session = get_session()
        wave = ensure_open_demo_wave(session)
        rows = parse_participants(b"anna@example.dk\n")
        place = find_municipality(session, "Aalborg")
        add_participants(session, wave, place, rows, app.config["MAIL_LINK_KEY"])
        queue_invitations(session, wave, None, "test")
        session.commit()
        remove_demo_data(session)
        session.commit()
    assert count_rows(app, Participant) == 0


def test_lists_are_refused_for_questionnaires_that_are_not_anonymous_or_closed(app):
    from survey_app.mail.participants import ParticipantError, add_participants, parse_participants
    from survey_app.registry import find_municipality
    from survey_app.waves import create_wave

    with app.app_context():
        session = get_session()
        now = utcnow()
        named = create_wave(session, "en-plan", "navngivet", "N", now, now + timedelta(days=9))
        closed = find_wave(session, "ledighedsydelse", "jan-2019")
        place = find_municipality(session, "Aalborg")
        rows = parse_participants(b"anna@example.dk\n")
        for wave, reason in ((named, "ikke anonymt"), (closed, "lukket")):
            with pytest.raises(ParticipantError, match=reason):
                add_participants(session, wave, place, rows, app.config["MAIL_LINK_KEY"])
        session.rollback()
    assert count_rows(app, Participant) == 0


def test_the_worker_says_so_when_redis_cannot_be_reached(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/8")
    result = app.test_cli_runner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 1 and "redis://127.0.0.1:1/8" in result.output
    app.extensions["db_engine"].dispose()
