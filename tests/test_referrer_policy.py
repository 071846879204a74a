"""Form posts over HTTPS: browsers send the origin as Referer, and CSRF checking stays strict.

Flask-WTF refuses an HTTPS post whose Referer is missing or from another origin. The app asks
browsers for ``Referrer-Policy: strict-origin``, so they send ``https://host/`` and never a
path (which could hold an answering link's token).
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, add_user, csrf_token_from, invite, make_test_app, open_wave

HTTPS = "https://localhost"


@pytest.fixture
def https_app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    yield app
    app.extensions["db_engine"].dispose()


def post_sign_in(app, referer: str | None):
    """Sign in over HTTPS through the real form, sending ``referer`` (or none)."""
    client = app.test_client()
    page = client.get("/login", base_url=HTTPS)
    headers = {"Referer": referer} if referer else {}
    return client.post(
        "/login",
        base_url=HTTPS,
        headers=headers,
        data={
            "email": "eva@vive.dk",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )


def test_sign_in_over_https_passes_with_the_origin_as_referer(https_app):
    add_user(https_app, "eva@vive.dk", "evaluator")
    assert post_sign_in(https_app, HTTPS + "/").status_code == 302


@pytest.mark.parametrize("referer", [None, "https://evil.example/", "http://localhost/"])
def test_sign_in_over_https_is_refused_without_a_same_origin_referer(https_app, referer):
    add_user(https_app, "eva@vive.dk", "evaluator")
    assert post_sign_in(https_app, referer).status_code == 400


def test_pages_ask_browsers_to_send_only_the_origin(https_app):
    open_wave(https_app)
    token = invite(https_app)[0]
    client = https_app.test_client()
    for url in ("/", "/login", f"/s/{token}"):
        reply = client.get(url, base_url=HTTPS)
        assert reply.status_code == 200, url
        assert reply.headers["Referrer-Policy"] == "strict-origin", url
        # a <meta name="referrer"> would override the header for the page's own requests
        assert 'name="referrer"' not in reply.get_data(as_text=True), url
