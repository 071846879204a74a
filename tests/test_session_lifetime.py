"""Staff sign-ins end after an absolute lifetime (``SESSION_MAX_HOURS``), however active."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import LoginSession, utcnow
from tests.conftest import make_test_app, signed_in_client


def age_sign_ins(app, hours: float) -> None:
    """Make every sign-in ``hours`` old, but active a moment ago."""
    with app.app_context():
        session = get_session()
        session.execute(
            update(LoginSession).values(
                created_at=utcnow() - timedelta(hours=hours), last_seen_at=utcnow()
            )
        )
        session.commit()


@pytest.mark.parametrize(("hours", "still_signed_in"), [(11.9, True), (12.1, False)])
def test_an_active_sign_in_ends_after_twelve_hours(app, hours, still_signed_in):
    assert app.config["SESSION_MAX_HOURS"] == 12
    client = signed_in_client(app, "evaluator")
    age_sign_ins(app, hours)
    reply = client.get("/dashboard/")
    if still_signed_in:
        assert reply.status_code == 200
        return
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    with app.app_context():
        assert get_session().exec(select(LoginSession)).one().ended_at is not None
    age_sign_ins(app, 0)  # ended for good: a fresh timestamp does not bring it back
    assert client.get("/dashboard/").status_code == 302


def test_the_lifetime_is_configurable(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_APP_SESSION_MAX_HOURS", "2")
    app = make_test_app(database_url, tmp_path)
    assert app.config["SESSION_MAX_HOURS"] == 2
    client = signed_in_client(app, "admin")
    age_sign_ins(app, 2.1)
    assert client.get("/dashboard/").status_code == 302
    app.extensions["db_engine"].dispose()
