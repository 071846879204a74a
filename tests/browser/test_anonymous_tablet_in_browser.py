"""An anonymous citizen questionnaire on the tablet in Chromium, in Danish and in Arabic (right
to left), with axe-core on every screen. The Arabic texts belong to a test questionnaire written
by the test (tests/test_kiosk_anonymous.py), never to a seed."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from survey_app.db import get_session
from survey_app.models import KioskSession, Response
from survey_app.registry import load_questionnaires

# axe_source and check_axe are fixtures: imported so that pytest finds them here, used through
# request.getfixturevalue (a parameter of the same name would shadow the import).
from tests.browser.test_accessibility import axe_page, axe_source, check_axe  # noqa: F401
from tests.browser.test_tablet_in_browser import PIN, sign_in_as_caseworker
from tests.conftest import count_rows
from tests.test_kiosk_anonymous import MULTILINGUAL

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("SURVEY_APP_SCREENSHOTS", "/tmp/survey-app-screenshots"))


@pytest.fixture
def with_arabic(app, tmp_path):
    folder = tmp_path / "sprog"
    folder.mkdir()
    (folder / "sprogtest.v1.yaml").write_text(MULTILINGUAL, encoding="utf-8")
    with app.app_context():
        session = get_session()
        assert load_questionnaires(session, folder).ok
        session.commit()
    return app


def hand_over(page, live_server, questionnaire: str, language: str) -> None:
    page.goto(f"{live_server}/kiosk/")
    page.locator("#anon-questionnaire").select_option(questionnaire)
    page.locator("#anon-municipality").select_option("Furesø")
    page.locator("#anon-language").select_option(language)
    page.locator("#anon-pin").fill(PIN)
    page.locator("#anon-pin-repeat").fill(PIN)
    page.get_by_role("button", name="Start anonymt på tabletten").click()
    expect(page).to_have_url(f"{live_server}/kiosk/answer")


def test_anonymous_questionnaire_in_danish_by_touch_with_axe(
    app, live_server, new_context, request
):
    axe = request.getfixturevalue("check_axe")
    page = axe_page(new_context)
    sign_in_as_caseworker(app, page, live_server)
    axe(page, "the tablet start page with the anonymous form")
    hand_over(page, live_server, "integration-borger", "da")
    for number in range(1, 6):
        expect(page.locator(".progress-text")).to_have_text(f"Spørgsmål {number} af 5")
        if number == 1:
            axe(page, "an anonymous question")
        page.locator("fieldset.question label").nth(3).click()
        page.get_by_role("button", name="Næste").click()
    expect(page.get_by_role("heading", name="Dine svar")).to_be_visible()
    axe(page, "the review")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    axe(page, "the anonymous thanks")
    assert count_rows(app, Response) == 1 and count_rows(app, KioskSession) == 0


def test_arabic_questionnaire_runs_right_to_left_with_axe(
    with_arabic, live_server, new_context, request
):
    app, axe = with_arabic, request.getfixturevalue("check_axe")
    page = axe_page(new_context)
    sign_in_as_caseworker(app, page, live_server)
    hand_over(page, live_server, "sprogtest", "ar")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    question = page.locator("fieldset.question legend")
    expect(question).to_have_text("هل تفهم السؤال؟")
    # The legend is laid out right to left: its text starts at the right edge of the form.
    assert page.evaluate("getComputedStyle(document.querySelector('legend')).direction") == "rtl"
    expect(page.locator(".actions").first).to_have_attribute("lang", "da")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the right-to-left page scrolls sideways: {widths}"
    axe(page, "an Arabic question (right to left)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tablet-arabic-rtl.png"), full_page=True)
    page.get_by_text("نعم", exact=True).click()
    page.get_by_role("button", name="Næste").click()
    expect(page.locator("fieldset.question legend")).to_have_text("هل أنت سعيد؟")
    page.get_by_text("نعم", exact=True).click()
    page.get_by_role("button", name="Næste").click()
    expect(page.get_by_role("heading", name="Dine svar")).to_be_visible()
    axe(page, "the Arabic review")
    page.screenshot(path=str(SCREENSHOTS / "tablet-arabic-review.png"), full_page=True)
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    assert count_rows(app, Response) == 1


def test_progression_page_shows_the_reliability_used_with_axe(app, live_server, new_context,
                                                             request):  # fmt: skip
    """The reliability table on the progression page: estimated alpha for 'Min hverdag' (30
    complete first occasions), the planning value elsewhere; no axe violation."""
    from tests.conftest import PASSWORD, add_user
    from tests.test_reliability_page import add_citizens

    axe = request.getfixturevalue("check_axe")
    add_citizens(app, 35)
    add_user(app, "evaluator@example.dk", "evaluator")
    page = axe_page(new_context, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("evaluator@example.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ind")).to_have_count(0)
    page.goto(f"{live_server}/dashboard/progression/en-plan", timeout=30_000)  # a heavy page
    table = page.get_by_role(
        "table", name="Pålidelighed pr. domæne (Cronbachs alfa fra første besvarelse)"
    )
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Min hverdag"))).to_contain_text(
        "Estimeret alfa bruges"
    )
    axe(page, "the progression page with the reliability table")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    table.screenshot(path=str(SCREENSHOTS / "progression-reliability.png"))
    page.screenshot(path=str(SCREENSHOTS / "progression-page.png"), full_page=True)
