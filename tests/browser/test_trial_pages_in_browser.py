"""The trial page, a results page and the ledelsestilsyn entry page in Chromium: axe-core
finds no WCAG 2.1 A/AA violation; a manager enters two cases in a row by keyboard and mouse.

Set SURVEY_APP_SCREENSHOTS=DIR to keep a screenshot of each page."""

from __future__ import annotations

import pytest

from tests.browser.test_staff_pages_in_browser import (  # noqa: F401
    WIDE,
    axe_page,
    axe_source,
    check_axe,
    demo_server,  # noqa: F401  (fixture)
    sign_in,
    visit,
)
from tests.conftest import add_user

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser


def test_trial_and_results_pages_pass_axe(app, demo_server, new_context, check_axe):  # noqa: F811
    base = demo_server
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, base, "admin@vive.dk")
    visit(page, check_axe, f"{base}/trials/", "trials")
    visit(page, check_axe, f"{base}/trials/revalidering/", "trial-revalidering")
    expect(page.get_by_role("link", name="Hent rapport (DOCX)")).to_be_visible()
    visit(
        page,
        check_axe,
        f"{base}/trials/revalidering/resultater/ledelsestilsyn/loebende",
        "trial-ledelsestilsyn-results",
        charts=True,
    )
    visit(
        page,
        check_axe,
        f"{base}/trials/ledighedsydelse/resultater/ledighedsydelse/jan-2019+sommer-2020",
        "trial-ledighedsydelse-results",
        charts=True,
    )
    visit(page, check_axe, f"{base}/trials/revalidering/fortaelling", "trial-narrative")


def test_manager_enters_cases_in_a_row(app, demo_server, new_context, check_axe):  # noqa: F811
    base = demo_server
    add_user(app, "leder@thisted.dk", "manager", ["Thisted"])
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, base, "leder@thisted.dk")
    visit(page, check_axe, f"{base}/trials/ledelsestilsyn/", "ledelsestilsyn-entry")
    before = page.locator(".hint").first.inner_text()

    def answer(key: str, label: str) -> None:
        page.locator(f"#q-{key}").locator("label", has_text=label).first.click()

    # Checks 2-4 are asked after "Ja" to check 1, check 5 after "Nej" (shown live).
    for first, asked, hidden in (
        ("Nej", ["lae265_grundet_tvivl"], "egen_laege_inddraget"),
        ("Ja", ["egen_laege_inddraget", "tvivl_dokumentationsgrundlag",
                "lae265_forlaenget_sagsbehandling"], "lae265_grundet_tvivl"),
    ):  # fmt: skip
        answer("afgjort_uden_lae265", first)
        expect(page.locator(f"#q-{hidden}")).to_be_hidden()
        for key in asked:
            answer(key, "Nej")
        page.get_by_role("button", name="Gem sagen og udfyld næste").click()
        expect(page.get_by_text("Sagen er gemt for Thisted")).to_be_visible()
    after = page.locator(".hint").first.inner_text()
    assert before != after
    check_axe(page, "ledelsestilsyn-entry-after-save")
