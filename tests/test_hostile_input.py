"""Crafted input gets a 4xx answer, never a 500 (issue 9, finding 3).

Each test is one request from the fuzzing report: a NUL byte that PostgreSQL refuses in text,
or a number or date outside what the database or Python can hold.
"""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import AuditEvent
from tests.conftest import csrf_token_from, signed_in_client

CLIENT_ERRORS = (400, 404)


@pytest.fixture
def errors_logged(caplog):
    """The ERROR records logged while the test ran (an unexpected exception logs one)."""
    caplog.set_level(logging.ERROR)
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def audit_events(app, action):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return get_session().exec(query).all()


def test_nul_in_the_email_at_sign_in_is_refused(app, client, errors_logged):
    token = csrf_token_from(client.get("/login").text)
    reply = client.post(
        "/login", data={"email": "a\x00b@x.dk", "password": "whatever", "csrf_token": token}
    )
    assert reply.status_code == 400
    assert "Forespørgslen kunne ikke behandles" in reply.text
    assert errors_logged() == []


def test_caseworker_asking_for_an_export_with_nul_is_denied_and_logged(app, errors_logged):
    caseworker = signed_in_client(app, "caseworker", ["Aalborg"])
    reply = caseworker.get("/export/x.csv%00")
    assert reply.status_code == 403
    denied = audit_events(app, "access_denied")
    assert [(e.actor, e.outcome) for e in denied] == [("caseworker-aalborg@example.dk", "denied")]
    assert denied[0].target.startswith("/export/x.csv") and "\x00" not in denied[0].target
    assert errors_logged() == []


def test_evaluator_asking_for_an_export_with_nul_gets_404(app, errors_logged):
    evaluator = signed_in_client(app, "evaluator")
    assert evaluator.get("/export/x.csv%00").status_code == 404
    assert evaluator.get("/export/ledighedsydelse.csv?wave=%00").status_code in CLIENT_ERRORS
    assert errors_logged() == []


def test_nul_in_the_tablet_search_is_refused(app, errors_logged):
    caseworker = signed_in_client(app, "caseworker", ["Aalborg"])
    assert caseworker.get("/kiosk/?q=%00").status_code == 400
    assert errors_logged() == []


@pytest.mark.parametrize("query", ["actor=%00", "action=%00", "municipality=%00"])
def test_nul_in_the_audit_filter_is_refused(app, query, errors_logged):
    admin = signed_in_client(app, "admin")
    assert admin.get(f"/admin/audit?{query}").status_code == 400
    assert errors_logged() == []


@pytest.mark.parametrize("version", ["2147483648", "%C2%B2", "%D9%A3", "99999999999999999999"])
def test_export_version_out_of_range_or_not_ascii_is_not_found(app, version, errors_logged):
    evaluator = signed_in_client(app, "evaluator")
    reply = evaluator.get(f"/export/ledighedsydelse.csv?version={version}")
    assert reply.status_code == 404
    assert audit_events(app, "export") == []
    assert errors_logged() == []


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01"])
def test_audit_log_dates_out_of_range_are_named_on_the_page(app, query, errors_logged):
    admin = signed_in_client(app, "admin")
    reply = admin.get(f"/admin/audit?{query}")
    assert reply.status_code == 200 and "er ikke en dato" in reply.text
    assert errors_logged() == []


@pytest.mark.parametrize("page", ["99999999999999999999", "%C2%B2", "%D9%A3", "0", "-1"])
def test_audit_log_page_out_of_range_is_refused(app, page, errors_logged):
    admin = signed_in_client(app, "admin")
    reply = admin.get(f"/admin/audit?page={page}")
    assert reply.status_code == 400 and "helt tal" in reply.text
    assert errors_logged() == []


@pytest.mark.parametrize(
    "url",
    [
        "/kiosk/citizens/%00",
        "/kiosk/citizens/%00/progression/en-plan",
        "/dashboard/compare/%00/jan-2019/sommer-2020",
        "/dashboard/compare/ledighedsydelse/%00/sommer-2020/counts.csv",
        "/dashboard/progression/%00",
    ],
)
def test_nul_in_a_path_value_is_not_found(app, url, errors_logged):
    admin = signed_in_client(app, "admin")
    assert admin.get(url).status_code == 404
    assert errors_logged() == []


def test_nul_in_a_posted_value_is_refused(app, errors_logged):
    admin = signed_in_client(app, "admin")
    token = csrf_token_from(admin.get("/kiosk/").text)
    for url, data in [
        ("/kiosk/start", {"pseudonym": "\x00", "questionnaire": "en-plan"}),
        ("/kiosk/sessions/%00/resume", {}),
        ("/dashboard/invitations", {"wave": "ledighedsydelse/\x00", "municipality": "Aalborg"}),
    ]:
        reply = admin.post(url, data={**data, "csrf_token": token})
        assert reply.status_code in CLIENT_ERRORS, url
    assert errors_logged() == []
