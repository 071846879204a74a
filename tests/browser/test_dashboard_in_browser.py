"""An evaluator in Chromium: sign in through the real form, open a wave comparison, sign out.

Checks what only a browser shows: plotly.js (served by the app) really draws the figures, no
console errors, no request leaves the live server, the tables have column headers, the page
fits a 768 px wide tablet without sideways scrolling of the page itself, and signing out
really ends the sign-in.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from survey_app.cli import main
from tests.conftest import PASSWORD, add_user

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

EVALUATOR = "eva@vive.dk"
COMPARISON = "/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020"
OVERFLOW = """() => ({
  body: document.body.scrollWidth, html: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.table-scroll') && !e.closest('.chart-area'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + '.' + e.className),
})"""


@pytest.fixture
def demo_server(app, live_server):
    result = app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    add_user(app, EVALUATOR, "evaluator")
    return live_server


def watch(page, live_server):
    """Collect console errors, page errors and requests to any other host than the server."""
    seen = {"console": [], "pageerror": [], "outside": [], "requests": []}
    own = urlsplit(live_server).netloc

    def on_request(request):
        seen["requests"].append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.netloc != own:
            seen["outside"].append(request.url)

    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
    page.on("request", on_request)
    return seen


def test_evaluator_signs_in_opens_a_comparison_and_signs_out(demo_server, new_context):
    context = new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    seen = watch(page, demo_server)

    page.goto(demo_server + COMPARISON)
    assert urlsplit(page.url).path == "/login"  # not signed in yet
    page.get_by_label("E-mail").fill(EVALUATOR)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(demo_server + COMPARISON)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ledighedsydelse")

    # plotly.js, served by the app, has drawn every figure the page carries.
    figures = page.locator("script.plotly-figure")
    assert figures.count() >= 2
    expect(page.locator(".chart-area .main-svg").first).to_be_visible(timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart-area')]"
        ".every(a => a.querySelector('.main-svg'))",
        timeout=15_000,
    )
    assert page.locator(".chart-area").count() == figures.count()
    assert page.locator(".chart-area .main-svg .bars, .chart-area .main-svg .trace").count() > 0

    # The statistics table: column headers for screen readers, a caption, row headers.
    table = page.locator("table.data").first
    expect(table.locator("caption")).to_contain_text("Statistik")
    headers = table.locator("thead th")
    assert headers.count() >= 5
    assert all(headers.nth(i).get_attribute("scope") == "col" for i in range(headers.count()))
    assert table.locator('tbody th[scope="row"]').count() >= 1
    expect(table.locator("tbody th").first).to_have_text("Alle kommuner")

    # 768 px: the page itself does not scroll sideways (wide tables scroll in .table-scroll).
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(OVERFLOW)
    assert widths["body"] <= widths["viewport"], widths
    assert widths["html"] <= widths["viewport"], widths
    assert widths["wide"] == [], widths

    assert seen["outside"] == [], seen["outside"]
    assert seen["pageerror"] == [], seen["pageerror"]
    assert seen["console"] == [], seen["console"]
    assert any(re.search(r"/assets/plotly-[0-9a-f]{16}\.min\.js$", u) for u in seen["requests"])

    # Sign out with the button; the comparison then sends the browser to the sign-in form.
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login?logged_out=1")
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    page.goto(demo_server + COMPARISON)
    assert urlsplit(page.url).path == "/login"
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    assert seen["console"] == [] and seen["pageerror"] == [] and seen["outside"] == []
