"""The "Åbne svar" page in Chromium at 1280 px: no axe-core violation, no sideways scrolling,
and a long multi-line answer keeps its lines inside the table.

Set SURVEY_APP_SCREENSHOTS=DIR to keep a full-page screenshot.
"""

from __future__ import annotations

import pytest

from tests.browser import test_accessibility as axe
from tests.browser.test_staff_pages_in_browser import WIDE, fits, sign_in, visit
from tests.conftest import add_user
from tests.open_answers.data import KEY, add_response, answered, load

pytestmark = pytest.mark.browser
axe_source, check_axe, axe_page = axe.axe_source, axe.check_axe, axe.axe_page

LONG = "Første linje\nAnden linje med et meget langt ord: " + "x" * 300


def test_open_answers_page_passes_axe_and_fits(app, live_server, new_context, check_axe):
    load(app)
    for n in range(6):
        text = LONG if n == 0 else f"Svar nummer {n}"
        add_response(app, "r1", "Aalborg", answered(1 if n % 2 else 2, text=text))
    for _ in range(2):
        add_response(app, "r1", "Thisted", answered(1, text="lille gruppe"))
    add_user(app, "eva@vive.dk", "evaluator")
    page = axe_page(new_context, viewport=WIDE)
    try:
        sign_in(page, live_server, "eva@vive.dk")
        visit(page, check_axe, f"{live_server}/dashboard/open-answers/", "open-answers-index")
        url = f"{live_server}/dashboard/open-answers/{KEY}/r1"
        visit(page, check_axe, url, "open-answers")
        fits(page, "open answers")
        cell = page.locator("td.open-answer", has_text="Første linje")
        assert cell.inner_text().startswith("Første linje\nAnden linje")
        assert "lille gruppe" not in page.content()
    finally:
        page.close()
