"""The background queue (RQ on Redis): mailings are sent by ``survey-app worker``, never by a
page. In development without a reachable Redis a mailing is sent at once, into the instance
folder, so ``make run`` needs nothing but Python."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlmodel import Session

from ..db import engine
from .sending import SendContext, mark_stale_sending, send_mailing, unfinished_mailings

JOB_TIMEOUT = 6 * 3600


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached, and this configuration may not send without it."""


def connection(app: Flask):
    """A Redis connection to ``SURVEY_APP_REDIS_URL``."""
    import redis  # here: only sending mail needs it

    return redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2)


def mail_queue(app: Flask):
    """The queue mailings are put on (``SURVEY_APP_MAIL_QUEUE``)."""
    from rq import Queue  # here: rq is slow to import, and answering never needs it

    return Queue(app.config["MAIL_QUEUE"], connection=connection(app))


def _reachable(app: Flask) -> bool:
    import redis

    try:
        return bool(connection(app).ping())
    except redis.RedisError:
        return False


def send_context(app: Flask) -> SendContext:
    """What sending needs, from the app."""
    return SendContext(config=app.config, instance_path=Path(app.instance_path))


def run_mailing_now(app: Flask, mailing_id: int, whole: bool = True) -> float | None:
    """Send the mailing in this process (development without Redis, tests), every due message
    unless ``whole`` is False (the worker's job: one batch). Returns what send_mailing does."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        while True:
            wait = send_mailing(session, send_context(app), mailing_id, app.config["MAIL_BATCH"])
            if not whole or wait != 0:
                return wait


def mailing_job(mailing_id: int) -> None:
    """The RQ job: send one batch of the mailing's due messages, then queue itself again for
    the rest (at once) or for the deferred ones (when they are due)."""
    app = current_app._get_current_object() if has_app_context() else _app_from_environment()
    wait = run_mailing_now(app, mailing_id, whole=False)
    if wait is not None:
        _enqueue(app, mailing_id, wait)


def _app_from_environment() -> Flask:
    from .. import create_app

    return create_app()


def _enqueue(app: Flask, mailing_id: int, delay: float = 0) -> None:
    queue = mail_queue(app)
    if delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), mailing_job, mailing_id, job_timeout=JOB_TIMEOUT)
    else:
        queue.enqueue(mailing_job, mailing_id, job_timeout=JOB_TIMEOUT)


def enqueue_mailing(app: Flask, mailing_id: int) -> str:
    """Put the mailing on the queue ("queued"); in development without Redis send it now
    ("sent"). Raises QueueUnavailable in production when Redis cannot be reached."""
    if app.config["MAIL_USE_QUEUE"] and _reachable(app):
        _enqueue(app, mailing_id)
        return "queued"
    if app.config["MAIL_USE_QUEUE"] and not app.config["MAIL_SYNC_WITHOUT_REDIS"]:
        raise QueueUnavailable(f"Redis at {app.config['REDIS_URL']} cannot be reached")
    run_mailing_now(app, mailing_id)
    return "sent"


def recover(app: Flask) -> int:
    """At worker start: mark messages whose worker died mid-send as uncertain, and queue again
    every mailing with messages left (a second job for a mailing sends nothing twice)."""
    with Session(engine(), expire_on_commit=False) as session:
        mark_stale_sending(session, app.config["MAIL_SENDING_STALE_SECONDS"])
        pending = unfinished_mailings(session)
    for mailing_id in pending:
        _enqueue(app, mailing_id)
    return len(pending)


def run_worker(app: Flask, burst: bool) -> bool:
    """Work the mail queue in this process (``--burst``: until it is empty, then return)."""
    recover(app)
    from rq import SimpleWorker

    worker = SimpleWorker([mail_queue(app)], connection=connection(app))
    return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
