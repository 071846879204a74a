"""Waves from the dashboard: created in Danish local time, extended, closed early, audited;
a closed wave with answers is never reopened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Wave, utcnow
from survey_app.wave_changes import local_input_value, move_closing, parse_local
from survey_app.waves import WaveError, find_wave
from tests.conftest import csrf_token_from, invite, open_wave, signed_in_client
from tests.test_answering import FULL_ANSWERS, post

PAGE = "/dashboard/waves/"


def form_post(client, path, **data):
    data["csrf_token"] = csrf_token_from(client.get(PAGE).text)
    return client.post(path, data=data)


def wave(app, key="test-open") -> Wave:
    with app.app_context():
        return find_wave(get_session(), "ledighedsydelse", key)


def actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        events = get_session().execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
        return [(e.action, e.outcome) for e in events]


def test_local_time_is_danish_time_in_summer_and_winter():
    assert parse_local("2027-01-15T09:00", "x") == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert parse_local("2027-07-15T09:00", "x") == datetime(2027, 7, 15, 7, 0, tzinfo=UTC)
    assert local_input_value(datetime(2027, 7, 15, 7, 0, tzinfo=UTC)) == "2027-07-15T09:00"
    for bad in ("", "15-01-2027", "2027-13-01T09:00", "0001-01-01T00:00"):
        with pytest.raises(WaveError):
            parse_local(bad, "x")


def test_an_evaluator_creates_a_wave_in_local_time(app):
    client = signed_in_client(app, "evaluator")
    page = client.get(PAGE).text
    version = page.split('<option value="')[1].split('"')[0]
    reply = form_post(
        client,
        "/dashboard/waves/create",
        version=version,
        key="maj-2027",
        title="Maj 2027",
        opens="2027-05-01T08:00",
        closes="2027-05-31T23:59",
    )
    assert reply.status_code == 303
    with app.app_context():
        created = get_session().execute(select(Wave).where(Wave.key == "maj-2027")).scalar_one()
    assert created.opens_at.replace(tzinfo=UTC) == datetime(2027, 5, 1, 6, 0, tzinfo=UTC)
    assert "1. maj 2027 kl. 08:00" in client.get(PAGE).text
    assert ("create_wave", "ok") in actions(app)
    again = form_post(
        client,
        "/dashboard/waves/create",
        version=version,
        key="maj-2027",
        title="Igen",
        opens="2027-05-01T08:00",
        closes="2027-04-01T08:00",
    )
    assert again.status_code == 400


def test_an_open_wave_is_extended_and_closed_early(app):
    open_wave(app)
    client = signed_in_client(app, "admin")
    target = wave(app)
    later = (utcnow() + timedelta(days=60)).astimezone().strftime("%Y-%m-%dT%H:%M")
    assert (
        form_post(client, f"/dashboard/waves/{target.id}/closes", closes=later).status_code == 303
    )
    assert wave(app).closes_at.replace(tzinfo=UTC) > utcnow() + timedelta(days=59)
    assert form_post(client, f"/dashboard/waves/{target.id}/close").status_code == 303
    assert wave(app).closes_at.replace(tzinfo=UTC) <= utcnow()
    assert [a for a in actions(app) if a[0] in ("change_wave_closing", "close_wave")] == [
        ("change_wave_closing", "ok"),
        ("close_wave", "ok"),
    ]
    # Closing a closed wave again is refused (and the refusal audited).
    assert form_post(client, f"/dashboard/waves/{target.id}/close").status_code == 400
    assert ("close_wave", "refused") in actions(app)


def test_a_closed_wave_with_answers_is_never_reopened(app):
    open_wave(app)
    [token] = invite(app)
    assert post(app.test_client(), token, FULL_ANSWERS).status_code == 303
    with app.app_context():
        session = get_session()
        found = find_wave(session, "ledighedsydelse", "test-open")
        found.closes_at = utcnow() - timedelta(hours=1)
        session.commit()
        with pytest.raises(WaveError, match="blandet"):
            move_closing(session, found, utcnow() + timedelta(days=7))
    client = signed_in_client(app, "admin")
    later = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    reply = form_post(client, f"/dashboard/waves/{wave(app).id}/closes", closes=later)
    assert reply.status_code == 400 and "kan ikke åbnes igen" in reply.text
    assert wave(app).closes_at.replace(tzinfo=UTC) < utcnow()


def test_a_closed_wave_without_answers_may_be_reopened(app):
    open_wave(app, days_open=(-10, -1))
    with app.app_context():
        session = get_session()
        found = find_wave(session, "ledighedsydelse", "test-open")
        move_closing(session, found, utcnow() + timedelta(days=7))
        session.commit()
    assert wave(app).closes_at.replace(tzinfo=UTC) > utcnow()


def test_coordinators_cannot_change_waves(app):
    open_wave(app)
    client = signed_in_client(app, "coordinator", ["Aalborg"])
    assert client.get(PAGE).status_code == 403
    assert client.post(f"/dashboard/waves/{wave(app).id}/close").status_code in (400, 403)
    assert wave(app).closes_at.replace(tzinfo=UTC) > utcnow()
