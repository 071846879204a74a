"""Invitations and reminders through a real SMTP server (aiosmtpd in the test process)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.mail.participants import add_participants, parse_participants
from survey_app.mail.queue import run_mailing_now
from survey_app.mail.rates import response_rates
from survey_app.mail.reminders import queue_reminders
from survey_app.mail.sending import queue_invitations
from survey_app.models import MailDelivery, Participant
from survey_app.registry import find_municipality
from survey_app.waves import find_wave
from tests.conftest import csrf_token_from, make_test_app, open_wave
from tests.mail_support import SmtpServer, body_text, link_in
from tests.test_answering import FULL_ANSWERS, post

ADDRESSES = ["anna@example.dk", "bo@example.dk", "carl@example.dk"]


@pytest.fixture
def smtp():
    server = SmtpServer()
    with server as handler:
        handler.url = server.url
        yield handler


@pytest.fixture
def mail_app(database_url, tmp_path, smtp):
    app = make_test_app(
        database_url,
        tmp_path,
        SMTP_URL=smtp.url,
        MAIL_RATE_PER_MINUTE=600000,
        MAIL_RETRY_DELAYS=[60, 600],
        MAIL_FROM="Evaluering <evaluering@example.dk>",
    )
    open_wave(app)
    yield app
    app.extensions["db_engine"].dispose()


def add(app, addresses=ADDRESSES, municipality="Aalborg"):
    """Put addresses on the open test wave's list."""
    data = (
        "email;navn\n" + "\n".join(f"{a};{a.split('@')[0].title()}" for a in addresses)
    ).encode()
    with app.app_context():
        session = get_session()
        wave = find_wave(session, "ledighedsydelse", "test-open")
        place = find_municipality(session, municipality)
        add_participants(
            session, wave, place, parse_participants(data), app.config["MAIL_LINK_KEY"]
        )
        session.commit()


def mail(app, kind="invitation"):
    """Queue a mailing of ``kind`` for the whole wave and send it here and now."""
    with app.app_context():
        session = get_session()
        wave = find_wave(session, "ledighedsydelse", "test-open")
        if kind == "invitation":
            mailing = queue_invitations(session, wave, None, "test")
        else:
            mailing = queue_reminders(session, wave, None, "test", app.config["SEAL_KEY"], 5)
        session.commit()
        if mailing is None:
            return None
        run_mailing_now(app, mailing.id)
        return mailing.id


def make_due(app) -> None:
    """Let the retry delays pass: every deferred message is due now."""
    from sqlalchemy import update

    with app.app_context():
        session = get_session()
        session.execute(update(MailDelivery).values(next_attempt_at=None))
        session.commit()


def statuses(app) -> dict[str, str]:
    with app.app_context():
        rows = get_session().execute(
            select(Participant.email, MailDelivery.status).join(
                MailDelivery, MailDelivery.participant_id == Participant.id
            )
        )
        return {email: status for email, status in rows}


def test_one_invitation_per_participant_with_a_working_link(mail_app, smtp):
    add(mail_app)
    mail(mail_app)
    assert sorted(m["To"] for m in smtp.messages) == ADDRESSES
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    message = smtp.to("anna@example.dk")[0]
    text = body_text(message)
    assert message["From"] == "Evaluering <evaluering@example.dk>"
    assert "Kære Anna" in text and "anonyme" in text and "til og med" in text
    assert "Aalborg Kommune" in text  # who is asking
    html = message.get_body(("html",)).get_content()
    assert '<a href="http://127.0.0.1:5000/s/' in html
    # Following the link opens the questionnaire, and it can be submitted.
    client = mail_app.test_client()
    token = link_in(message).removeprefix("/s/")
    assert client.get(f"/s/{token}").status_code == 200
    assert post(client, token, FULL_ANSWERS).status_code == 303
    # Sending again invites nobody twice.
    assert mail(mail_app) is None
    assert len(smtp.messages) == 3


def test_reminders_go_only_to_those_who_have_not_answered(mail_app, smtp):
    add(mail_app)
    mail(mail_app)
    client = mail_app.test_client()
    anna = link_in(smtp.to("anna@example.dk")[0]).removeprefix("/s/")
    post(client, anna, FULL_ANSWERS)
    opt_out = link_in(smtp.to("bo@example.dk")[0], "/paamindelser/")
    page = client.get(opt_out)
    assert page.status_code == 200
    assert client.post(opt_out, data={"csrf_token": csrf_token_from(page.text)}).status_code == 200
    smtp.messages.clear()
    mail(mail_app, "reminder")
    assert [m["To"] for m in smtp.messages] == ["carl@example.dk"]
    assert "Påmindelse" in smtp.messages[0]["Subject"]
    # Not reminded again within the gap.
    assert mail(mail_app, "reminder") is None
    with mail_app.app_context():
        wave = find_wave(get_session(), "ledighedsydelse", "test-open")
        [row] = response_rates(get_session(), wave.id)
    assert (row.invited, row.mailed, row.opted_out, row.completed, row.bounced) == (3, 3, 1, 1, 0)


def test_opt_out_needs_the_csrf_token(mail_app, smtp):
    add(mail_app, ["anna@example.dk"])
    mail(mail_app)
    opt_out = link_in(smtp.messages[0], "/paamindelser/")
    client = mail_app.test_client()
    mail_app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(opt_out, data={}).status_code == 400
    with mail_app.app_context():
        assert get_session().execute(select(Participant.opted_out_at)).scalar_one() is None
    assert client.get("/paamindelser/unknown-token").status_code == 404


def test_a_temporary_failure_is_retried_and_then_sent(mail_app, smtp):
    add(mail_app, ["anna@example.dk", "bo@example.dk"])
    smtp.defer_data["anna@example.dk"] = 1
    mailing = mail(mail_app)
    assert statuses(mail_app) == {"anna@example.dk": "deferred", "bo@example.dk": "sent"}
    with mail_app.app_context():
        deferred = (
            get_session()
            .execute(select(MailDelivery).where(MailDelivery.status == "deferred"))
            .scalar_one()
        )
        assert deferred.attempts == 1 and deferred.last_error.startswith("451")
    # Not yet due: the job run again sends nothing; once due, it is sent.
    assert 0 < run_mailing_now(mail_app, mailing) <= 60
    assert statuses(mail_app)["anna@example.dk"] == "deferred"
    make_due(mail_app)
    assert run_mailing_now(mail_app, mailing) is None
    assert statuses(mail_app)["anna@example.dk"] == "sent"
    assert len(smtp.to("anna@example.dk")) == 1


def test_temporary_failures_give_up_after_the_last_retry(mail_app, smtp):
    add(mail_app, ["anna@example.dk"])
    smtp.defer_data["anna@example.dk"] = 10
    mailing = mail(mail_app)
    for _ in range(2):
        make_due(mail_app)
        run_mailing_now(mail_app, mailing)
    assert statuses(mail_app) == {"anna@example.dk": "failed"}
    with mail_app.app_context():
        reason = get_session().execute(select(Participant.failure_reason)).scalar_one()
    assert reason.startswith("opgivet efter 3 forsøg") and "451" in reason


def test_a_permanent_failure_is_marked_on_the_participant(mail_app, smtp):
    add(mail_app, ["anna@example.dk", "bo@example.dk"])
    smtp.refuse["anna@example.dk"] = "550 5.1.1 No such user"
    mail(mail_app)
    assert statuses(mail_app) == {"anna@example.dk": "failed", "bo@example.dk": "sent"}
    with mail_app.app_context():
        session = get_session()
        failed = session.execute(
            select(Participant).where(Participant.email == "anna@example.dk")
        ).scalar_one()
        assert failed.failure_reason.startswith("550") and "No such user" in failed.failure_reason
        wave = find_wave(session, "ledighedsydelse", "test-open")
        [row] = response_rates(session, wave.id)
    assert row.bounced == 1 and row.mailed == 1
    smtp.messages.clear()
    mail(mail_app, "reminder")  # the bounced address gets no reminder
    assert [m["To"] for m in smtp.messages] == ["bo@example.dk"]


def test_development_mode_writes_mails_to_the_instance_folder(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, MAIL_RATE_PER_MINUTE=600000)
    open_wave(app)
    add(app, ["anna@example.dk"])
    mail(app)
    written = list((tmp_path / "instance" / "mail").glob("*.eml"))
    assert len(written) == 1
    assert b"anna@example.dk" in written[0].read_bytes()
    app.extensions["db_engine"].dispose()


def test_each_mailing_shows_the_rate_before_and_after_it(mail_app, smtp):
    from survey_app.mail.sending import mailing_summaries

    add(mail_app, ["anna@example.dk", "bo@example.dk"])
    mail(mail_app)
    client = mail_app.test_client()
    post(client, link_in(smtp.to("anna@example.dk")[0]).removeprefix("/s/"), FULL_ANSWERS)
    mail(mail_app, "reminder")
    with mail_app.app_context():
        wave = find_wave(get_session(), "ledighedsydelse", "test-open")
        reminder, invitation = mailing_summaries(get_session(), wave.id, None)
    assert (invitation.rate_before, invitation.rate_after) == (0.0, 0.5)
    assert (reminder.rate_before, reminder.rate_after) == (0.5, 0.5)
    assert reminder.statuses == {"sent": 1} and invitation.statuses == {"sent": 2}
