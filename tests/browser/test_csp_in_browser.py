"""plotly.js draws under a Content-Security-Policy without 'unsafe-inline': no violation in
the console, and its style rules (static/plotly.css) are applied."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard_in_browser import COMPARISON, EVALUATOR, demo_server  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_figures_draw_without_inline_styles(demo_server, new_context):  # noqa: F811
    page = new_context().new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(demo_server + "/login", timeout=15_000)
    page.get_by_label("E-mail").fill(EVALUATOR)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/dashboard/", timeout=15_000)
    page.goto(demo_server + COMPARISON, timeout=15_000)
    page.wait_for_selector(".chart-area .main-svg", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert not [text for text in console if "Content Security Policy" in text], console
    position = "() => getComputedStyle(document.querySelector('.chart-area .main-svg')).position"
    assert page.evaluate(position) == "absolute"  # a rule from static/plotly.css
    # plotly.js added no <style> of its own rules (only the hash-allowed map library rules).
    own = "() => document.getElementById('plotly.js-style-global').tagName"
    assert page.evaluate(own) == "LINK"
