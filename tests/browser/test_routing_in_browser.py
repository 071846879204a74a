"""Routing, text and number questions in Chromium: live show/hide with JavaScript, the
server's re-render without it, axe on the pages, and the tablet skipping hidden questions."""

from __future__ import annotations

import os

import pytest
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import Answer
from tests.browser import test_accessibility
from tests.browser.test_tablet_in_browser import PIN, register, sign_in_as_caseworker
from tests.routing_fixture import TABLET_KEY, routed_token

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser
axe_page = test_accessibility.axe_page
axe_source = test_accessibility.axe_source  # fixtures shared with the accessibility tests
check_axe = test_accessibility.check_axe
SCREENSHOTS = os.environ.get("ROUTING_SCREENSHOTS")  # a directory, to look at the pages


def stored(app) -> dict:
    with app.app_context():
        rows = get_session().exec(select(Answer)).all()
        return {a.item_key: (a.value, a.text_value, a.missing) for a in rows}


def q(page, key):
    return page.locator(f"#q-{key}")


def pick(page, key, label):
    q(page, key).get_by_text(label, exact=True).click()


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_with_javascript_questions_show_and_hide_live(
    app, live_server, tmp_path, new_context, check_axe
):
    token = routed_token(app, tmp_path)
    page = axe_page(new_context)
    page.goto(f"{live_server}/s/{token}")
    for hidden in ("hvor_ofte", "maaneder", "timer", "hvorfor_ikke"):
        expect(q(page, hidden)).to_be_hidden()
    expect(q(page, "tilfreds").locator(".question-number")).to_have_text("Spørgsmål 3 af 3")
    pick(page, "brugt", "Ja")
    expect(q(page, "hvor_ofte")).to_be_visible()
    expect(q(page, "timer")).to_be_visible()
    expect(q(page, "tilfreds")).to_be_hidden()
    expect(q(page, "hvor_ofte").locator(".question-number")).to_have_text("Spørgsmål 2 af 4")
    expect(page.locator("#routing-status")).to_have_text("Dine svar har vist flere spørgsmål.")
    pick(page, "hvor_ofte", "Ofte")
    page.get_by_label("Hvor mange måneder varede forløbet?").fill("14")
    expect(q(page, "tilfreds")).to_be_visible()
    page.get_by_label("Hvor mange timer om ugen?").fill("3,55")
    check_axe(page, "the routed form with text and number inputs")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Nogle svar skal rettes")).to_be_visible()
    expect(q(page, "timer").locator(".error-message")).to_contain_text("højst have 1 decimal")
    check_axe(page, "the form with a number to correct")
    shot(page, "routing-js-error")
    page.get_by_label("Hvor mange timer om ugen?").fill("3,5")
    pick(page, "brugt", "Nej")  # another route: the answers above are hidden and not posted
    expect(q(page, "hvor_ofte")).to_be_hidden()
    expect(page.locator("#item-maaneder")).to_be_disabled()
    expect(q(page, "hvorfor_ikke")).to_be_visible()
    page.get_by_label("Hvorfor har du ikke brugt den?").fill("Ingen tilbød det.\nMen jeg spurgte.")
    pick(page, "tilfreds", "Nej")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    answers = stored(app)
    assert answers["maaneder"] == answers["timer"] == answers["hvor_ofte"] == (
        None, None, "ikke_relevant")  # fmt: skip
    assert answers["hvorfor_ikke"] == (None, "Ingen tilbød det.\nMen jeg spurgte.", None)


def test_without_javascript_the_server_shows_the_new_questions(
    app, live_server, tmp_path, new_context
):
    token = routed_token(app, tmp_path)
    page = new_context(java_script_enabled=False, bypass_csp=True).new_page()
    page.goto(f"{live_server}/s/{token}")
    expect(q(page, "hvor_ofte")).to_be_hidden()
    pick(page, "brugt", "Ja")
    expect(q(page, "hvor_ofte")).to_be_hidden()  # nothing happens before sending
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Dine svar gav flere spørgsmål")).to_be_visible()
    expect(q(page, "hvor_ofte")).to_be_visible()
    expect(q(page, "brugt").get_by_label("Ja", exact=True)).to_be_checked()
    pick(page, "hvor_ofte", "Sjældent")
    page.get_by_label("Hvor mange timer om ugen?").fill("1e3")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Nogle svar skal rettes")).to_be_visible()
    expect(q(page, "timer").locator(".error-message")).to_contain_text("skal være et tal")
    expect(page.locator("#item-timer")).to_have_value("1e3")
    expect(q(page, "maaneder")).to_be_visible()  # opened by "Sjældent"
    shot(page, "routing-nojs-error")
    page.get_by_label("Hvor mange måneder varede forløbet?").fill("6")
    page.get_by_label("Hvor mange timer om ugen?").fill("2,5")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Dine svar gav flere spørgsmål")).to_be_visible()
    expect(q(page, "tilfreds")).to_be_visible()  # opened by the months
    pick(page, "tilfreds", "Ja")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    answers = stored(app)
    assert answers["maaneder"] == (None, "6", None) and answers["timer"] == (None, "2.5", None)
    assert answers["hvorfor_ikke"] == (None, None, "ikke_relevant")


def test_tablet_skips_hidden_questions_and_back_returns_to_the_last_shown(
    app, live_server, tmp_path, new_context, check_axe
):
    routed_token(app, tmp_path)  # loads the questionnaires
    page = axe_page(new_context, has_touch=True, is_mobile=True)
    register(app)
    sign_in_as_caseworker(app, page, live_server)
    page.goto(f"{live_server}/kiosk/citizens/sag-2024-0117")
    page.get_by_label("Spørgeskema").select_option(TABLET_KEY)
    page.get_by_label("Din PIN-kode").fill(PIN)
    page.get_by_label("Gentag PIN-koden").fill(PIN)
    page.get_by_role("button", name="Start på tabletten").click()
    expect(page.locator(".progress-text")).to_have_text("Spørgsmål 1 af 3")
    page.get_by_text("Nej", exact=True).tap()
    page.get_by_role("button", name="Næste").tap()
    expect(page.get_by_label("Hvorfor har du ikke brugt den?")).to_be_visible()
    expect(page.locator(".progress-text")).to_have_text("Spørgsmål 2 af 4")
    page.get_by_label("Hvorfor har du ikke brugt den?").fill("For langt væk")
    shot(page, "tablet-text")
    check_axe(page, "a tablet screen with a text box")
    page.get_by_role("button", name="Tilbage").tap()
    page.get_by_text("Ja", exact=True).tap()
    page.get_by_role("button", name="Næste").tap()
    expect(page.get_by_role("group", name="Hvor ofte har du brugt den?")).to_be_visible()
    page.get_by_text("Aldrig", exact=True).tap()
    page.get_by_role("button", name="Næste").tap()
    # maaneder is hidden (Aldrig): the next screen is the hours
    expect(page.get_by_label("Hvor mange timer om ugen?")).to_be_visible()
    expect(page.locator(".progress-text")).to_have_text("Spørgsmål 3 af 4")
    page.get_by_role("button", name="Tilbage").tap()
    expect(page.get_by_role("group", name="Hvor ofte har du brugt den?")).to_be_visible()
    page.get_by_role("button", name="Næste").tap()
    page.get_by_label("Hvor mange timer om ugen?").fill("2,5")
    page.get_by_role("button", name="Næste").tap()
    expect(page.locator(".progress-text")).to_have_text("Spørgsmål 4 af 4")
    expect(page.get_by_label("Din stillingsbetegnelse")).to_be_visible()
    page.get_by_role("button", name="Næste").tap()  # titel is optional
    expect(page.get_by_role("heading", name="Dine svar")).to_be_visible()
    shot(page, "tablet-review")
    page.get_by_role("button", name="Send svar").tap()
    expect(page).to_have_url(f"{live_server}/kiosk/done")
    answers = stored(app)
    assert answers["hvor_ofte"] == (1, None, None)
    assert answers["maaneder"] == answers["tilfreds"] == answers["hvorfor_ikke"] == (
        None, None, "ikke_relevant")  # fmt: skip
    assert answers["timer"] == (None, "2.5", None)
    assert answers["titel"] == (None, None, "ubesvaret")
