"""The mail queue on real Redis (db 8, a queue of its own per test): the worker sends what is
queued, and a worker killed mid-batch never causes a second copy of any mail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.mail.queue import enqueue_mailing, mail_queue, run_worker
from survey_app.models import MailDelivery
from tests.conftest import QUESTIONNAIRES, make_test_app, open_wave
from tests.mail_support import REDIS_URL, SmtpServer, clean_queue, unique_queue
from tests.test_mail_sending import add, statuses

SURVEY_APP = Path(sys.executable).with_name("survey-app")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def smtp():
    server = SmtpServer()
    with server as handler:
        handler.url = server.url
        yield handler


@pytest.fixture
def queue_name():
    name = unique_queue()
    yield name
    clean_queue(name)


def _app(database_url, tmp_path, smtp, queue_name, **extra):
    settings = dict(
        SMTP_URL=smtp.url,
        REDIS_URL=REDIS_URL,
        MAIL_QUEUE=queue_name,
        MAIL_RATE_PER_MINUTE=600000,
        MAIL_RETRY_DELAYS=[0, 0],
        MAIL_SYNC_WITHOUT_REDIS=False,
        MAIL_USE_QUEUE=True,
    )
    settings.update(extra)
    app = make_test_app(database_url, tmp_path, **settings)
    open_wave(app)
    return app


def _queue_invitations(app) -> int:
    from survey_app.mail.sending import queue_invitations
    from survey_app.waves import find_wave

    with app.app_context():
        session = get_session()
        wave = find_wave(session, "ledighedsydelse", "test-open")
        mailing = queue_invitations(session, wave, None, "test")
        session.commit()
        assert enqueue_mailing(app, mailing.id) == "queued"
        return mailing.id


def test_the_worker_sends_what_is_queued_and_retries_a_4xx(
    database_url, tmp_path, smtp, queue_name
):
    # One message per job: the job queues itself again for the rest.
    app = _app(database_url, tmp_path, smtp, queue_name, MAIL_BATCH=1)
    addresses = ["anna@example.dk", "bo@example.dk", "carl@example.dk"]
    add(app, addresses)
    smtp.defer_data["anna@example.dk"] = 1
    _queue_invitations(app)
    with app.app_context():
        assert len(mail_queue(app)) == 1
        run_worker(app, burst=True)
    assert statuses(app) == dict.fromkeys(addresses, "sent")
    assert sorted(m["To"] for m in smtp.messages) == addresses


def test_without_redis_in_production_the_mailing_waits(database_url, tmp_path, smtp, queue_name):
    from survey_app.mail.queue import QueueUnavailable

    app = _app(database_url, tmp_path, smtp, queue_name, REDIS_URL="redis://127.0.0.1:1/8")
    add(app, ["anna@example.dk"])
    with pytest.raises(QueueUnavailable):
        _queue_invitations(app)
    assert smtp.messages == []
    # In development the same situation sends at once (so `make run` needs no Redis).
    app.config["MAIL_SYNC_WITHOUT_REDIS"] = True
    with app.app_context():
        [mailing_id] = get_session().execute(select(MailDelivery.mailing_id)).scalars()
        assert enqueue_mailing(app, mailing_id) == "sent"
    assert [m["To"] for m in smtp.messages] == ["anna@example.dk"]


def _worker_env(app, smtp, queue_name) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")}
    env.update(
        SURVEY_APP_ENV="testing",
        SURVEY_APP_SECRET_KEY=app.config["SECRET_KEY"],
        SURVEY_APP_SEAL_KEY=app.config["SEAL_KEY"],
        SURVEY_APP_DATABASE_URL=app.config["DATABASE_URL"],
        SURVEY_APP_QUESTIONNAIRE_DIR=str(QUESTIONNAIRES),
        SURVEY_APP_REDIS_URL=REDIS_URL,
        SURVEY_APP_MAIL_QUEUE=queue_name,
        SURVEY_APP_SMTP_URL=smtp.url,
        SURVEY_APP_MAIL_RATE_PER_MINUTE="600000",
        SURVEY_APP_RATELIMIT_STORAGE_URI="memory://",
    )
    return env


def test_a_worker_killed_mid_batch_sends_nothing_twice(database_url, tmp_path, smtp, queue_name):
    app = _app(database_url, tmp_path, smtp, queue_name)
    addresses = [f"p{i}@example.dk" for i in range(6)]
    add(app, addresses)
    # The third mail is taken by the server, but its reply is held back: the worker is
    # killed mid-conversation, after the server has the mail and before the worker knows.
    smtp.pause_on_data = (3, 30)
    _queue_invitations(app)
    worker = subprocess.Popen(
        [str(SURVEY_APP), "worker", "--burst"],
        env=_worker_env(app, smtp, queue_name),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert smtp.data_started.wait(60), worker.stderr.read() if worker.poll() else "no mail"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert len(smtp.messages) == 3
    before = statuses(app)
    assert sorted(before.values()).count("sending") == 1
    # A new worker picks the mailing up again; the interrupted message is not resent.
    smtp.pause_on_data = None
    with app.app_context():
        app.config["MAIL_SENDING_STALE_SECONDS"] = 0
        run_worker(app, burst=True)
    after = statuses(app)
    received = [m["To"] for m in smtp.messages]
    assert sorted(received) == addresses  # every address exactly once
    assert list(after.values()).count("uncertain") == 1
    assert list(after.values()).count("sent") == 5
