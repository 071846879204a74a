"""The app as deployed: Chromium over HTTPS through nginx to two gunicorn instances.

One browser's requests hop between the instances (round-robin), so each step below also shows
that the app keeps no state in a process. The steps: a caseworker's answering link answered
and stored, staff sign-in, a citizen registered and a tablet session answered and stored once
despite a network loss at the final submit, an export downloaded; then the logs hold no token.
Sign-in and every form post go through Flask-WTF's strict HTTPS referer check.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from survey_app import create_app
from tests.browser.test_answering_in_browser import stored_responses
from tests.browser.test_tablet_in_browser import (
    CITIZEN,
    answer_all_by_click,
    expected_answers,
    start_tablet,
)
from tests.conftest import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = [pytest.mark.stack, pytest.mark.browser]

WAVE = "stack"
EVALUATOR = "evaluator@example.dk"
CASEWORKER = "sagsbehandler@example.dk"


def set_up(stack) -> str:
    """Schema, questionnaires, an open wave, two staff users; returns one answering link."""
    stack.cli("init-db")
    stack.cli("load-questionnaires")
    now = datetime.now(UTC)
    stack.cli(
        "create-wave", "--questionnaire", "ledighedsydelse", "--wave", WAVE, "--title", "Stack",
        "--opens", (now - timedelta(days=1)).isoformat(), "--closes",
        (now + timedelta(days=1)).isoformat(),
    )  # fmt: skip
    stack.cli("create-user", EVALUATOR, "--role", "evaluator", "--password-stdin", stdin=PASSWORD)
    stack.cli(
        "create-user", CASEWORKER, "--role", "caseworker", "--municipality", "Furesø",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    out = stack.cli(
        "invite", "--questionnaire", "ledighedsydelse", "--wave", WAVE,
        "--municipality", "Aalborg", "--count", "1",
    )  # fmt: skip
    [row] = csv.DictReader(io.StringIO(out))
    assert row["url"] == f"{stack.base_url}/s/{row['token']}"
    return row["token"]


def https_page(new_context, **options):
    """A page in a fresh browser context that accepts the stack's self-signed certificate."""
    return new_context(ignore_https_errors=True, **options).new_page()


def sign_in(page, base_url: str, email: str) -> None:
    """Sign in through the real form, as staff do."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ind")).to_have_count(0)


def answer_link(page, base_url: str, token: str) -> None:
    """A caseworker answers the two questions of ledighedsydelse by link and submits."""
    page.goto(f"{base_url}/s/{token}")
    page.locator("#q-forenklet_sagsbehandling").get_by_text("I nogen grad", exact=True).click()
    page.locator("#q-kvalitet_revurdering").get_by_text("af samme kvalitet", exact=True).click()
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()


def register_citizen(page, base_url: str) -> None:
    """The caseworker registers the citizen on the tablet page's form."""
    page.goto(f"{base_url}/kiosk/")
    # The page also has the anonymous start form, with its own "Kommune".
    form = page.locator("form", has=page.get_by_label("Pseudonym (fx sagsnummer)"))
    form.get_by_label("Pseudonym (fx sagsnummer)").fill(CITIZEN)
    form.get_by_label("Kommune").select_option("Furesø")
    form.get_by_role("button", name="Registrér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Borger {CITIZEN}")


def submit_through_a_network_loss(context, page) -> None:
    """The final submit while the network is gone; kiosk.js sends it when it returns."""
    context.set_offline(True)
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#connection-status")).to_be_visible()
    context.set_offline(False)
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible(timeout=20_000)


def download_export(page, base_url: str) -> list[dict]:
    """The long CSV export of the wave, downloaded by the browser; its rows."""
    with page.expect_download() as download:
        page.evaluate(
            """url => { const a = document.createElement("a"); a.href = url; a.click(); }""",
            f"{base_url}/export/ledighedsydelse.csv?wave={WAVE}",
        )
    path = download.value.path()
    return list(csv.DictReader(open(path, encoding="utf-8-sig", newline="")))


def test_the_deployed_stack_over_https(stack, new_context):
    token = set_up(stack)
    base = stack.base_url
    database = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "x",
            "DATABASE_URL": stack.env["SURVEY_APP_DATABASE_URL"],
        }
    )

    answer_link(https_page(new_context, has_touch=True), base, token)
    link_answers = {"forenklet_sagsbehandling": 4, "kvalitet_revurdering": 2}
    assert stored_responses(database) == [{"respondent_key": None, "answers": link_answers}]

    tablet = new_context(touch=True, ignore_https_errors=True)
    page = tablet.new_page()
    sign_in(page, base, CASEWORKER)
    register_citizen(page, base)
    start_tablet(page, base)
    answer_all_by_click(page)
    submit_through_a_network_loss(tablet, page)
    stored = stored_responses(database)
    citizen = [r for r in stored if r["respondent_key"] == CITIZEN]
    assert citizen == [{"respondent_key": CITIZEN, "answers": expected_answers()}]
    assert len(stored) == 2

    evaluator = https_page(new_context)
    sign_in(evaluator, base, EVALUATOR)
    rows = download_export(evaluator, base)
    assert {(r["item"], r["value"]) for r in rows} == {
        ("forenklet_sagsbehandling", "4"),
        ("kvalitet_revurdering", "2"),
    }
    database.extensions["db_engine"].dispose()

    # plotly.js reaches the browser through nginx gzipped, under its content-hash URL, cached.
    from survey_app.pages import plotly_asset

    script = evaluator.request.get(
        f"{base}/assets/plotly-{plotly_asset().digest}.min.js",
        headers={"Accept-Encoding": "gzip"},
    )
    assert script.status == 200 and script.headers["content-encoding"] == "gzip"
    assert "immutable" in script.headers["cache-control"]

    # Both instances served this browser's requests, and no log holds the token.
    assert stack.ports_served() == set(stack.app_ports)
    logs = stack.log_files()
    assert "/s/[token]" in logs["survey-app.access.log"]
    for name, text in logs.items():
        assert token not in text, name
