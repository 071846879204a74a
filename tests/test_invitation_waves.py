"""Invitation links only for open and future waves: the fieldwork form and its refusal."""

from __future__ import annotations

from survey_app.models import Invitation
from tests.conftest import count_rows, csrf_token_from, open_wave, signed_in_client


def test_fieldwork_form_offers_only_open_and_future_waves(app):
    open_wave(app, key="test-open")
    open_wave(app, key="later", days_open=(5, 30))
    open_wave(app, key="just-closed", days_open=(-30, -1))
    page = signed_in_client(app, "coordinator", ["Aalborg"]).get("/dashboard/").text
    assert 'value="ledighedsydelse/test-open"' in page
    assert 'value="ledighedsydelse/later"' in page
    assert 'value="ledighedsydelse/just-closed"' not in page
    assert 'value="ledighedsydelse/jan-2019"' not in page  # the historic waves are closed
    assert 'value="mentor/forsoegsafslutning"' not in page


def test_links_for_a_closed_wave_are_refused_with_a_reason(app):
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    csrf = csrf_token_from(coordinator.get("/dashboard/").text)
    form = {"wave": "ledighedsydelse/jan-2019", "municipality": "Aalborg", "count": "3"}
    reply = coordinator.post("/dashboard/invitations", data=dict(form, csrf_token=csrf))
    assert reply.status_code == 400 and reply.mimetype == "text/html"
    assert "er lukket" in reply.text and "åbne og kommende runder" in reply.text
    assert count_rows(app, Invitation) == 0
