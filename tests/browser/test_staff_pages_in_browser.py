"""Staff pages in Chromium at 1280 px (issue 10, point 8): axe-core finds no WCAG 2.1 A/AA
violation on any of them, the fieldwork monitor and the audit log fit without sideways
scrolling, and the fieldwork monitor shows the counts of known data.

Set SURVEY_APP_SCREENSHOTS=DIR to keep a full-page screenshot of every page checked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from survey_app.cli import main
from tests.browser import test_accessibility as axe
from tests.conftest import PASSWORD, add_user, csrf_token_from, invite, open_wave

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser
# The axe-core fixtures of the citizen pages' accessibility tests.
axe_source, check_axe, axe_page = axe.axe_source, axe.check_axe, axe.axe_page

WIDE = {"width": 1280, "height": 900}
NO_SIDEWAYS_SCROLL = """() => ({
  page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
  scrolling: [...document.querySelectorAll('main *')]
    .filter(e => !['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName))
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => e.tagName + '.' + e.className),
})"""
Q = "ledighedsydelse"
TITLE = "Ledighedsydelse – fritagelse for revurdering i 12. måned indenfor 18 måneder"


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("SURVEY_APP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits(page, what: str) -> None:
    width = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert width["page"] <= width["viewport"], (what, width)
    assert width["scrolling"] == [], (what, width)


def visit(page, check_axe, url: str, name: str, charts: bool = False) -> None:
    reply = page.goto(url, timeout=30_000)  # the chart pages load plotly.js (a few MB)
    assert reply.status == 200, url
    if charts:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart-area')]"
            ".every(a => a.querySelector('.main-svg'))",
            timeout=15_000,
        )
    screenshot(page, name)
    check_axe(page, name)


@pytest.fixture
def demo_server(app, live_server):
    result = app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    add_user(app, "admin@vive.dk", "admin")
    add_user(app, "koordinator@aalborg.dk", "coordinator", ["Aalborg"])
    return live_server


def test_every_staff_page_passes_axe_at_1280_px(demo_server, new_context, check_axe):
    base = demo_server
    page = axe_page(new_context, viewport=WIDE)
    visit(page, check_axe, f"{base}/login", "login")
    sign_in(page, base, "admin@vive.dk")
    visit(page, check_axe, f"{base}/dashboard/", "fieldwork")
    fits(page, "the fieldwork monitor")
    visit(page, check_axe, f"{base}/dashboard/compare/", "compare-index")
    visit(page, check_axe, f"{base}/dashboard/compare/{Q}/jan-2019/sommer-2020", "compare",
          charts=True)  # fmt: skip
    visit(page, check_axe, f"{base}/dashboard/progression/", "progression-index")
    visit(page, check_axe, f"{base}/dashboard/progression/en-plan", "progression", charts=True)
    visit(page, check_axe, f"{base}/export/", "export-index")
    visit(page, check_axe, f"{base}/export/{Q}/", "export-questionnaire")
    visit(page, check_axe, f"{base}/export/{Q}/sommer-2020/?municipality=Aalborg", "export-wave")
    visit(page, check_axe, f"{base}/kiosk/", "kiosk-citizens")
    citizen = page.locator("table.data tbody a").first.get_attribute("href")
    visit(page, check_axe, base + citizen, "kiosk-citizen")
    progression = page.get_by_role("link", name=re.compile("Se udviklingen")).first
    visit(page, check_axe, base + progression.get_attribute("href"), "kiosk-citizen-progression",
          charts=True)  # fmt: skip
    visit(page, check_axe, f"{base}/admin/audit", "audit")
    fits(page, "the audit log")
    # A long target (the path of a view, with its query) wraps inside its cell.
    page.goto(f"{base}/dashboard/?" + "lang=" + "a" * 200)
    visit(page, check_axe, f"{base}/admin/audit", "audit-long-target")
    expect(page.get_by_text("a" * 100)).to_be_visible()
    fits(page, "the audit log with a long target")


def test_coordinator_pages_pass_axe_and_stay_in_their_municipality(
    demo_server, new_context, check_axe
):
    base = demo_server
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, base, "koordinator@aalborg.dk")
    visit(page, check_axe, f"{base}/dashboard/", "fieldwork-coordinator")
    fits(page, "the coordinator's fieldwork monitor")
    rows = page.locator("table.fieldwork tbody th")
    assert set(rows.all_inner_texts()) == {"Aalborg"}
    visit(page, check_axe, f"{base}/export/{Q}/", "export-coordinator")
    options = page.locator("#municipality option").all_inner_texts()
    assert options == ["Alle dine kommuner", "Aalborg"]


def _answer(base_client, token, submit: bool) -> None:
    page = base_client.get(f"/s/{token}")
    data = {"item-forenklet_sagsbehandling": "2", "csrf_token": csrf_token_from(page.text)}
    if submit:
        data["item-kvalitet_revurdering"] = "3"
    data["action"] = "submit" if submit else "save"
    assert base_client.post(f"/s/{token}", data=data).status_code in (200, 303)


def test_fieldwork_monitor_counts_known_data_and_names_each_questionnaire_once(
    app, live_server, new_context, check_axe
):
    open_wave(app, key="runde-a", days_open=(-20, 30))
    open_wave(app, key="runde-b")
    aalborg = invite(app, wave="runde-b", municipality="Aalborg", count=10)
    invite(app, wave="runde-b", municipality="Thisted", count=5)
    invite(app, wave="runde-a", municipality="Aalborg", count=3)
    for token in aalborg[:4]:
        _answer(app.test_client(), token, submit=True)
    for token in aalborg[4:6]:
        _answer(app.test_client(), token, submit=False)
    add_user(app, "eva@vive.dk", "evaluator")
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, live_server, "eva@vive.dk")
    visit(page, check_axe, f"{live_server}/dashboard/", "fieldwork-known-data")
    fits(page, "the fieldwork monitor")

    assert page.get_by_role("heading", name=TITLE).count() == 1
    tables = page.locator("table.fieldwork")
    assert tables.count() == 2  # one per wave, under the one questionnaire heading
    expect(tables.nth(0).locator("caption")).to_contain_text("Test runde-b")
    cells = {
        row.locator("th").inner_text(): row.locator("td").all_inner_texts()[:4]
        for row in tables.nth(0).locator("tbody tr").all()
    }
    assert cells == {
        "Aalborg": ["10", "6", "4", "40 %"],  # 4 sent, 2 saved part-way
        "Thisted": ["5", "0", "0", "0 %"],
    }
    earlier = tables.nth(1).locator("tbody tr").first.locator("td").all_inner_texts()[:4]
    assert earlier == ["3", "0", "0", "0 %"]


def test_staff_pages_with_wide_tables_pass_axe_on_a_768_px_tablet(
    demo_server, new_context, check_axe
):
    """Where a wide table must scroll sideways inside the page, keyboard users can scroll it."""
    base = demo_server
    page = axe_page(new_context, viewport={"width": 768, "height": 1024})
    sign_in(page, base, "admin@vive.dk")
    for path, name, charts in (
        ("/dashboard/", "fieldwork-768", False),
        (f"/dashboard/compare/{Q}/jan-2019/sommer-2020", "compare-768", True),
        ("/dashboard/progression/en-plan", "progression-768", True),
        ("/admin/audit", "audit-768", False),
    ):
        visit(page, check_axe, base + path, name, charts=charts)
    fits(page, "the audit log at 768 px")
