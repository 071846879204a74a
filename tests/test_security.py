"""Cross-cutting security tests: CSRF on every state-changing route, stored XSS, error pages,
security headers and no outside host on any page.

The CSRF test walks ``app.url_map``: a new POST/PUT/PATCH/DELETE route is tested as soon as it
exists, so one that skips the CSRF check fails here without anyone listing it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import yaml
from flask import Blueprint
from sqlalchemy import select
from sqlmodel import SQLModel

from survey_app.cli import main
from survey_app.db import get_session
from survey_app.models import utcnow
from tests.conftest import (
    PASSWORD,
    QUESTIONNAIRES,
    add_user,
    csrf_token_from,
    invite,
    make_test_app,
    open_wave,
    sign_in,
    signed_in_client,
)
from tests.test_access_matrix import RULES_APP, targets

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
ADMIN = "admin-alle@example.dk"


# --------------------------------------------------------------------------- CSRF


def state_changing_rules(app=RULES_APP) -> list[tuple[str, str, str]]:
    """(rule, endpoint, method) for every rule accepting a state-changing method."""
    return sorted(
        (rule.rule, rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in STATE_CHANGING
        if method in rule.methods
    )


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: compared exactly before and after a request."""
    with app.app_context():
        session = get_session()
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in session.execute(select(table))), key=repr
            )
            for table in SQLModel.metadata.sorted_tables
        }


def plausible_request(app, rule: str, endpoint: str) -> tuple[str, dict[str, str]]:
    """A URL and form data the route would accept if only the CSRF token were there."""
    if endpoint == "answering.answer":
        token = invite(app)[0]
        return f"/s/{token}", {
            "action": "save",
            "item-forenklet_sagsbehandling": "4",
            "item-kvalitet_revurdering": "2",
        }
    if endpoint == "dashboards.create_invitation_links":
        return "/dashboard/invitations", {
            "wave": "ledighedsydelse/test-open",
            "municipality": "Aalborg",
            "count": "3",
        }
    if endpoint == "auth.login":
        return "/login", {"email": ADMIN, "password": PASSWORD}
    if endpoint == "auth.logout":
        return "/logout", {}
    # A route this test does not know yet: fill its arguments with plausible values.
    path = re.sub(r"<(?:int:)?(\w+)>", "1", rule)
    path = re.sub(r"<[^>]+>", "x", path)
    return path, {"value": "1", "action": "submit", "email": ADMIN, "count": "1"}


KNOWN = {"answering.answer", "dashboards.create_invitation_links", "auth.login", "auth.logout"}


def test_the_walk_finds_the_state_changing_routes():
    endpoints = {endpoint for _, endpoint, _ in state_changing_rules()}
    assert endpoints >= KNOWN


@pytest.fixture
def csrf_app(app):
    """The app with an open wave and an admin; CSRF checking on, as in production."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    open_wave(app)
    add_user(app, ADMIN, "admin")
    return app


@pytest.mark.parametrize("who", ["admin", "anonymous"])
@pytest.mark.parametrize("token", ["missing", "forged"])
@pytest.mark.parametrize(("rule", "endpoint", "method"), state_changing_rules())
def test_state_changing_route_refuses_a_request_without_csrf_token(
    csrf_app, rule, endpoint, method, who, token
):
    app = csrf_app
    client = app.test_client()
    if who == "admin":
        assert sign_in(client, ADMIN).status_code == 302
    url, form = plausible_request(app, rule, endpoint)
    if token == "forged":
        form["csrf_token"] = "ImZvcmdlZCI.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"
    before = snapshot(app)

    response = client.open(url, method=method, data=form)

    assert response.status_code == 400, f"{method} {url} without CSRF token: {response.status_code}"
    # The generic CSRF page, or (answering, session expired) the form again with a notice.
    assert "Intet er gemt" in response.text or "svar er ikke gemt" in response.text
    assert snapshot(app) == before, f"{method} {url} changed the database without a CSRF token"
    if who == "admin":  # a refused sign-out must not have ended the sign-in either
        assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("who", ["admin", "anonymous"])
@pytest.mark.parametrize(
    ("rule", "endpoint", "method"), [r for r in state_changing_rules() if r[1] in KNOWN]
)
def test_the_same_request_with_a_token_is_accepted(csrf_app, rule, endpoint, method, who):
    """Control: the form data above is good, so the 400 really comes from the missing token."""
    app = csrf_app
    client = app.test_client()
    if who == "admin":
        assert sign_in(client, ADMIN).status_code == 302
    url, form = plausible_request(app, rule, endpoint)
    page_url = "/dashboard/" if who == "admin" else "/login"
    page = client.get(url if endpoint == "answering.answer" else page_url)
    form["csrf_token"] = csrf_token_from(page.text)
    before = snapshot(app)
    response = client.open(url, method=method, data=form)
    assert response.status_code in (200, 302, 303), response.text[:500]
    if endpoint == "dashboards.create_invitation_links" and who == "admin":
        assert response.text.startswith("token,url") and snapshot(app) != before
    if endpoint == "answering.answer":
        assert snapshot(app) != before  # the draft was saved


# --------------------------------------------------------------------------- stored XSS

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ATTRIBUTE = '"><svg onload=alert(1)>'
PAYLOADS = (SCRIPT, IMG, ATTRIBUTE)
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"


class Pages:
    """Every response seen in a test, so none can show a payload unescaped."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def get(self, client, url, status=200, **kwargs):
        response = client.get(url, **kwargs)
        return self._keep(url, response, status)

    def post(self, client, url, status, **kwargs):
        response = client.post(url, **kwargs)
        return self._keep(url, response, status)

    def _keep(self, url, response, status):
        text = response.get_data(as_text=True)
        response.close()  # ends a streamed response's request (and its database session)
        assert response.status_code == status, (url, response.status_code)
        self.seen.append((url, text))
        return text

    def assert_nothing_unescaped(self):
        assert self.seen
        for url, text in self.seen:
            for payload in PAYLOADS:
                assert payload not in text, f"{url} shows {payload!r} unescaped"
            assert "onerror=alert(1)>" not in text and "onload=alert(1)>" not in text


def test_email_typed_at_a_failed_sign_in_is_escaped_in_the_form_and_the_audit_log(app):
    pages = Pages()
    admin = signed_in_client(app, "admin")
    client = app.test_client()
    for payload in (SCRIPT, ATTRIBUTE):
        token = csrf_token_from(client.get("/login").text)
        text = pages.post(
            client,
            "/login",
            401,
            data={"email": payload, "password": "wrong password", "csrf_token": token},
        )
        assert "Forkert e-mail eller adgangskode" in text
    assert ESCAPED_SCRIPT in pages.seen[0][1]  # re-shown in the form, escaped
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in pages.seen[1][1]

    text = pages.get(admin, "/admin/audit")
    assert ESCAPED_SCRIPT in text  # the failed sign-in's actor, escaped
    assert "&#34;&gt;&lt;svg" in text
    pages.assert_nothing_unescaped()


def test_audit_filters_and_logged_urls_are_escaped(app):
    pages = Pages()
    admin = signed_in_client(app, "admin")
    # A raw (not percent-encoded) query string is logged as the view's target.
    pages.get(admin, "/dashboard/", query_string=f"x={SCRIPT}")
    pages.get(admin, "/dashboard/compare/", query_string=f"municipality={IMG}")
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    pages.get(coordinator, "/admin/audit", 403, query_string=f"q={ATTRIBUTE}")
    pages.get(admin, "/export/ledighedsydelse.csv", 404, query_string={"municipality": SCRIPT})
    pages.get(admin, "/export/ledighedsydelse.csv", 404, query_string={"wave": IMG})
    text = pages.get(admin, "/admin/audit")
    assert ESCAPED_SCRIPT in text and ESCAPED_IMG in text and "&#34;&gt;&lt;svg" in text
    text = pages.get(
        admin,
        "/admin/audit",
        query_string={"actor": SCRIPT, "municipality": IMG, "from": ATTRIBUTE, "to": SCRIPT},
    )
    assert ESCAPED_SCRIPT in text and ESCAPED_IMG in text  # echoed in the filter form
    assert "er ikke en dato" in text  # the bad dates are echoed in the error message
    pages.get(app.test_client(), "/login", query_string={"next": ATTRIBUTE})
    pages.assert_nothing_unescaped()


def test_wave_title_from_the_command_line_is_escaped_everywhere(app):
    pages = Pages()
    now = utcnow()
    result = app.test_cli_runner().invoke(
        main,
        ["create-wave", "--questionnaire", "ledighedsydelse", "--wave", "xss",
         "--title", SCRIPT, "--opens", (now - timedelta(days=1)).isoformat(),
         "--closes", (now + timedelta(days=30)).isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = invite(app, wave="xss")[0]
    text = pages.get(app.test_client(), f"/s/{token}")
    assert ESCAPED_SCRIPT in text  # the answering page names the wave
    admin = signed_in_client(app, "admin")
    assert ESCAPED_SCRIPT in pages.get(admin, "/dashboard/")
    assert ESCAPED_SCRIPT in pages.get(admin, "/dashboard/compare/")
    assert ESCAPED_SCRIPT in pages.get(admin, "/dashboard/compare/ledighedsydelse/sommer-2020/xss")
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    assert ESCAPED_SCRIPT in pages.get(coordinator, "/dashboard/")
    pages.assert_nothing_unescaped()


def xss_questionnaire(directory):
    """ledighedsydelse as a new questionnaire with payloads in its title, texts and labels."""
    definition = yaml.safe_load((QUESTIONNAIRES / "ledighedsydelse.v1.yaml").read_text())
    definition["key"] = "xss-test"
    definition["title"]["da"] = IMG
    definition["trial"]["da"] = SCRIPT
    definition["intro"]["da"] = ATTRIBUTE
    definition["items"][0]["text"]["da"] = SCRIPT + " tekst"
    definition["items"][1]["text"]["da"] = ATTRIBUTE
    definition["scales"][0]["options"][0]["label"]["da"] = IMG
    definition["scales"][0]["non_substantive"]["label"]["da"] = SCRIPT
    path = directory / "xss-test.v1.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False))
    return path


def test_questionnaire_texts_from_yaml_are_escaped_on_answering_and_dashboard_pages(app, tmp_path):
    pages = Pages()
    directory = tmp_path / "questionnaires"
    directory.mkdir()
    xss_questionnaire(directory)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["load-questionnaires", str(directory)])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "xss-test" in result.output
    for wave in ("a", "b"):
        open_wave(app, "xss-test", wave)
        for number, token in enumerate(invite(app, "xss-test", wave, count=6)):
            client = app.test_client()
            form = pages.get(client, f"/s/{token}")
            answer = "ved_ikke" if number == 5 else str(1 + number % 3)
            pages.post(
                client,
                f"/s/{token}",
                303,
                data={
                    "action": "submit",
                    "item-forenklet_sagsbehandling": answer,
                    "item-kvalitet_revurdering": "2",
                    "csrf_token": csrf_token_from(form),
                },
            )
    answering = pages.seen[0][1]
    assert ESCAPED_IMG in answering and ESCAPED_SCRIPT in answering
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in answering

    for role, places in (("admin", []), ("coordinator", ["Aalborg"])):
        client = signed_in_client(app, role, places)
        assert ESCAPED_IMG in pages.get(client, "/dashboard/")
        assert ESCAPED_IMG in pages.get(client, "/dashboard/compare/")
        page = pages.get(client, "/dashboard/compare/xss-test/a/b")
        assert ESCAPED_IMG in page and ESCAPED_SCRIPT in page
        assert "plotly-figure" in page  # the figures carry the texts, as escaped JSON
        for url in ("/dashboard/compare/xss-test/a/b/counts.csv",):
            if any(r.rule.endswith("/counts.csv") for r in app.url_map.iter_rules()):
                pages.get(client, url)
    pages.assert_nothing_unescaped()


# --------------------------------------------------------------------------- error pages


def failing_app(database_url, tmp_path, **overrides):
    """A fresh app with a test-only route that fails (registered before the first request)."""
    app = make_test_app(database_url, tmp_path, **overrides)
    bp = Blueprint("failing", __name__)

    @bp.route("/test-only/boom")
    def boom():
        raise RuntimeError("secret detail in /srv/app/secret.py")

    app.register_blueprint(bp)
    return app


def assert_generic_page(response, status: int, title: str):
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<html lang="da">' in text and title in text
    for leak in ("Traceback", "secret detail", "RuntimeError", "/srv/app", ".py", 'File "'):
        assert leak not in text, leak
    assert "werkzeug" not in text.lower() and "debugger" not in text.lower()


@pytest.mark.parametrize("env", ["testing", "production"])
def test_errors_show_a_generic_danish_page(database_url, tmp_path, env):
    overrides = {"ENV_NAME": env}
    if env == "production":
        overrides.update(SESSION_COOKIE_SECURE=True, TESTING=False, RATELIMIT_SINGLE_WORKER=True)
    app = failing_app(database_url, tmp_path, **overrides)
    try:
        client = app.test_client()
        base = "https://localhost" if env == "production" else "http://localhost"
        assert_generic_page(client.get(base + "/test-only/boom"), 500, "Der opstod en fejl")
        assert_generic_page(client.get(base + "/findes-ikke"), 404, "Siden findes ikke")
        assert_generic_page(client.get(base + "/s/ukendt-token"), 404, "Siden findes ikke")
        assert_generic_page(client.get(base + "/logout"), 405, "Ikke tilladt")
        assert_generic_page(client.put(base + "/login"), 405, "Ikke tilladt")
        assert_generic_page(client.delete(base + "/dashboard/"), 405, "Ikke tilladt")
    finally:
        app.extensions["db_engine"].dispose()


def test_a_failing_view_leaves_no_half_written_rows(database_url, tmp_path):
    app = failing_app(database_url, tmp_path)
    try:
        before = snapshot(app)
        app.test_client().get("/test-only/boom")
        assert snapshot(app) == before
    finally:
        app.extensions["db_engine"].dispose()


# --------------------------------------------------------------------------- headers, hosts

URL_ATTRIBUTE = re.compile(
    r"""\b(?:src|href|action|formaction|srcset|poster|data)\s*=\s*["']?([^"'\s>]+)"""
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""")


def outside_urls(text: str, pattern=URL_ATTRIBUTE) -> list[str]:
    """Absolute or protocol-relative URLs in ``text`` that point at another host."""
    found = []
    for url in pattern.findall(text):
        parts = urlsplit(url)
        if parts.scheme in ("data", "mailto", "tel") or url.startswith("#"):
            continue
        absolute = parts.scheme or url.startswith("//")
        if absolute and parts.hostname not in ("localhost", "127.0.0.1"):
            found.append(url)
    return found


def check_headers(url: str, response) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], (url, csp)
    assert directives.get("default-src") == ["'self'"], (url, csp)
    assert "'unsafe-eval'" not in csp, (url, csp)
    assert directives.get("object-src") == ["'none'"], (url, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN") or directives.get(
        "frame-ancestors"
    ) == ["'none'"], url
    assert headers.get("Referrer-Policy") == "strict-origin", url


def every_get_page(app) -> list[tuple[str, int | None]]:
    """Every GET URL of the app with real arguments, and the status an admin should get
    (None: a route without arguments this test does not know; any status but 5xx)."""
    pages = [("/", 200), ("/login", 200), ("/healthz", 200), ("/findes-ikke", 404)]
    token = invite(app, wave="demo-aaben")[0]
    pages.append((f"/s/{token}", 200))
    pages += [(t.url, 200) for t in targets(app) if not t.missing_arguments]
    covered = {urlsplit(u).path for u, _ in pages}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule not in covered:
            pages.append((rule.rule, None))
    pages.append(("/static/style.css", 200))
    return pages


def test_every_page_has_security_headers_and_no_outside_host(app):
    result = app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    admin = signed_in_client(app, "admin")
    anonymous = app.test_client()
    checked = 0
    for url, status in every_get_page(app):
        for client in (admin, anonymous):
            response = client.get(url)
            response.get_data()  # read streamed bodies to the end, so the request ends
            response.close()
            if response.status_code == 302 and (client is anonymous or url == "/login"):
                location = urlsplit(response.headers["Location"]).path
                assert location == ("/login" if client is anonymous else "/dashboard/")
            elif status is None:
                assert response.status_code < 500, (url, response.status_code)
            else:
                assert response.status_code == status, (url, response.status_code)
            check_headers(url, response)
            if response.mimetype == "text/html":
                text = response.get_data(as_text=True)
                assert outside_urls(text) == [], url
                assert not INLINE_SCRIPT.search(text), url  # the CSP would block it anyway
                checked += 1
            if response.mimetype == "text/css":
                assert outside_urls(response.get_data(as_text=True), CSS_URL) == [], url
                assert "@import" not in response.get_data(as_text=True)
    assert checked >= 10
