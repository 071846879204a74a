"""Sign-in, sign-out, idle timeout, slowed failures, roles and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import AuditEvent, LoginSession, User, utcnow
from tests.conftest import (
    PASSWORD,
    add_user,
    csrf_token_from,
    invite,
    make_test_app,
    open_wave,
    sign_in,
    signed_in_client,
)


def audit_events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return get_session().exec(query).all()


def test_create_user_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        ["create-user", "Koordinator@Aalborg.dk", "--role", "coordinator",
         "--municipality", "Aalborg", "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created coordinator koordinator@aalborg.dk (Aalborg)" in result.output
    with app.app_context():
        user = get_session().exec(select(User)).one()
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    assert sign_in(app.test_client(), "koordinator@aalborg.dk").status_code == 302


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["a@b.dk", "--role", "coordinator"], PASSWORD, "needs --municipality"),
        (["a@b.dk", "--role", "evaluator"], "short", "at least 12 characters"),
        (["ikke-en-mail", "--role", "admin"], PASSWORD, "is not an email address"),
        (["a@b.dk", "--role", "caseworker", "--municipality", "Odense"], PASSWORD, "unknown"),
    ],
)
def test_create_user_refusals(app, args, password, message):
    result = app.test_cli_runner().invoke(
        main, ["create-user", *args, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert get_session().exec(select(User)).all() == []


def test_duplicate_user_is_refused(app):
    add_user(app, "a@b.dk", "admin")
    result = app.test_cli_runner().invoke(
        main, ["create-user", "A@B.dk", "--role", "admin", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_sign_in_success_and_failure_are_logged(app):
    add_user(app, "eva@vive.dk", "evaluator")
    client = app.test_client()
    failed = sign_in(client, "eva@vive.dk", "wrong password!")
    assert failed.status_code == 401
    assert "Forkert e-mail eller adgangskode" in failed.text
    ok = sign_in(client, "eva@vive.dk")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/dashboard/")
    events = [(e.action, e.actor, e.outcome) for e in audit_events(app, "sign_in")]
    assert events == [("sign_in", "eva@vive.dk", "failed"), ("sign_in", "eva@vive.dk", "ok")]


def test_unknown_email_fails_like_a_wrong_password(app):
    reply = sign_in(app.test_client(), "ingen@example.dk")
    assert reply.status_code == 401
    assert audit_events(app, "sign_in")[0].outcome == "failed"


def test_session_cookie_flags_and_a_new_session_at_sign_in(app):
    add_user(app, "eva@vive.dk", "evaluator")
    client = app.test_client()
    page = client.get("/login")
    before = client.get_cookie("session").value
    reply = client.post(
        "/login",
        data={
            "email": "eva@vive.dk",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    header = reply.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert client.get_cookie("session").value != before
    # Nothing of the session before sign-in carries over, not even its CSRF secret.
    stale = client.post("/logout", data={"csrf_token": csrf_token_from(page.text)})
    assert stale.status_code == 400


def test_secure_cookie_outside_development(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    add_user(app, "eva@vive.dk", "evaluator")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    reply = client.post(
        "/login",
        base_url="https://localhost",
        data={
            "email": "eva@vive.dk",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert "Secure" in reply.headers["Set-Cookie"]
    app.extensions["db_engine"].dispose()


def test_sign_out_really_ends_the_session(app):
    client = signed_in_client(app, "evaluator")
    cookie = client.get_cookie("session").value
    assert client.get("/dashboard/").status_code == 200
    page = client.get("/dashboard/")
    reply = client.post("/logout", data={"csrf_token": csrf_token_from(page.text)})
    assert reply.status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    replay = attacker.get("/dashboard/")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert [e.action for e in audit_events(app)][-2:] == ["view_fieldwork", "sign_out"]


def test_sign_out_without_csrf_is_refused(app):
    client = signed_in_client(app, "evaluator")
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard/").status_code == 200


def test_idle_timeout_ends_the_session(app):
    client = signed_in_client(app, "evaluator")
    assert client.get("/dashboard/").status_code == 200
    with app.app_context():
        session = get_session()
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        session.commit()
    reply = client.get("/dashboard/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    with app.app_context():
        assert get_session().exec(select(LoginSession)).one().ended_at is not None


def test_repeated_failed_sign_ins_get_429_apart_from_the_token_limit(database_url, tmp_path):
    app = make_test_app(
        database_url, tmp_path, LOGIN_FAILURE_LIMIT="3 per minute", TOKEN_GUESS_LIMIT="3 per minute"
    )
    add_user(app, "eva@vive.dk", "evaluator")
    client = app.test_client()
    statuses = [sign_in(client, "eva@vive.dk", "wrong!").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # Unknown answering links are counted separately.
    assert client.get("/s/unknown-token").status_code == 404
    app.extensions["db_engine"].dispose()


def test_next_parameter_cannot_send_the_user_elsewhere(app):
    add_user(app, "eva@vive.dk", "evaluator")
    client = app.test_client()
    page = client.get("/login?next=//evil.example/")
    reply = client.post(
        "/login",
        data={
            "email": "eva@vive.dk",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert reply.headers["Location"].endswith("/dashboard/")


def test_pages_need_sign_in(client):
    for url in ("/dashboard/", "/admin/audit"):
        reply = client.get(url)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_audit_log_is_for_admins_and_denials_are_logged(app):
    evaluator = signed_in_client(app, "evaluator")
    assert evaluator.get("/admin/audit").status_code == 403
    assert audit_events(app, "access_denied")[0].outcome == "denied"
    admin = signed_in_client(app, "admin")
    page = admin.get("/admin/audit?action=sign_in")
    assert page.status_code == 200
    assert "evaluator-alle@example.dk" in page.text
    assert "access_denied" in page.text  # in the filter's list of actions
    filtered = admin.get("/admin/audit?actor=ingen-saadan&from=2020-01-01&to=2020-01-02")
    assert "Ingen hændelser passer til filteret" in filtered.text
    bad = admin.get("/admin/audit?from=igår")
    assert bad.status_code == 200 and "er ikke en dato" in bad.text


def test_audit_log_is_append_only(app):
    signed_in_client(app, "evaluator")
    with app.app_context():
        session = get_session()
        for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"):
                session.execute(text(statement))
            session.rollback()
        assert len(session.exec(select(AuditEvent)).all()) == 1


def test_fieldwork_shows_only_own_municipality_to_a_coordinator(app):
    open_wave(app)
    invite(app, municipality="Aalborg", count=3)
    invite(app, municipality="Thisted", count=2)
    evaluator = signed_in_client(app, "evaluator")
    page = evaluator.get("/dashboard/").text
    assert "Aalborg" in page and "Thisted" in page
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    page = coordinator.get("/dashboard/").text
    assert "Aalborg" in page and "Thisted" not in page
    assert [e.action for e in audit_events(app, "view_fieldwork")] == ["view_fieldwork"] * 2


def test_coordinator_creates_links_for_own_municipality_only(app):
    open_wave(app)
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    csrf = csrf_token_from(coordinator.get("/dashboard/").text)
    form = {"wave": "ledighedsydelse/test-open", "count": "2", "csrf_token": csrf}
    own = coordinator.post("/dashboard/invitations", data=dict(form, municipality="Aalborg"))
    assert own.status_code == 200 and own.mimetype == "text/csv"
    lines = own.text.strip().splitlines()
    assert lines[0] == "token,url" and len(lines) == 3
    foreign = coordinator.post("/dashboard/invitations", data=dict(form, municipality="Thisted"))
    assert foreign.status_code == 403
    denied = audit_events(app, "create_invitations")
    assert [(e.municipality, e.outcome) for e in denied] == [
        ("Aalborg", "ok"),
        ("Thisted", "denied"),
    ]
    caseworker = signed_in_client(app, "caseworker", ["Aalborg"])
    csrf = csrf_token_from(caseworker.get("/dashboard/").text)
    refused = caseworker.post(
        "/dashboard/invitations", data=dict(form, csrf_token=csrf, municipality="Aalborg")
    )
    assert refused.status_code == 403


def test_the_unknown_email_hash_costs_what_a_real_one_does():
    import time

    from argon2.exceptions import VerifyMismatchError

    from survey_app.auth.users import _DUMMY_HASH, _hasher

    real = _hasher.hash("a real password here")
    assert _hasher.check_needs_rehash(_DUMMY_HASH) is False
    timings = []
    for stored in (_DUMMY_HASH, real, _DUMMY_HASH, real):
        start = time.perf_counter()
        with pytest.raises(VerifyMismatchError):
            _hasher.verify(stored, "wrong")
        timings.append(time.perf_counter() - start)
    assert min(timings[0::2]) > 0.3 * min(timings[1::2])
