"""The questionnaire pages in Chromium: axe-core finds no WCAG 2.1 A/AA violation on the list,
the previews (link page and tablet) and the upload steps, and an upload goes from file to
checked preview to a published version.

Set SURVEY_APP_SCREENSHOTS=DIR to keep a full-page screenshot of every page checked.
"""

from __future__ import annotations

import pytest

from tests.browser import test_accessibility as axe
from tests.browser.conftest import TABLET
from tests.browser.test_staff_pages_in_browser import WIDE, fits, screenshot, sign_in
from tests.conftest import QUESTIONNAIRES, REPO, add_user

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser
axe_source, check_axe, axe_page = axe.axe_source, axe.check_axe, axe.axe_page


def checked(page, check_axe, name: str) -> None:
    screenshot(page, name)
    check_axe(page, name)


def test_list_previews_and_upload_pass_axe(app, live_server, new_context, check_axe, tmp_path):
    base = live_server
    add_user(app, "evaluator@vive.dk", "evaluator")
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, base, "evaluator@vive.dk")
    page.goto(f"{base}/dashboard/questionnaires")
    checked(page, check_axe, "questionnaires")
    fits(page, "the questionnaire list")

    page.get_by_role("link", name="Linkside mentor v1").click()
    expect(page.get_by_role("complementary", name="Forhåndsvisning")).to_be_visible()
    checked(page, check_axe, "preview-link")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_text("Der mangler svar")).to_be_visible()
    checked(page, check_axe, "preview-link-posted")

    tablet = axe_page(new_context, viewport=TABLET)
    sign_in(tablet, base, "evaluator@vive.dk")
    tablet.goto(f"{base}/dashboard/questionnaires/mentor/1?view=tablet")
    checked(tablet, check_axe, "preview-tablet")
    tablet.locator("label", has_text="Få gange").click()
    tablet.get_by_role("button", name="Næste").click()
    expect(tablet.get_by_text("Spørgsmål 2 af")).to_be_visible()
    checked(tablet, check_axe, "preview-tablet-2")

    bad = tmp_path / "mentor.v1.yaml"
    bad.write_text((QUESTIONNAIRES / "mentor.v1.yaml").read_text().replace('"Ofte"', '"Tit"'))
    page.goto(f"{base}/dashboard/questionnaires")
    page.get_by_label("Fil", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Kontrollér og vis").click()
    expect(page.get_by_text("Filen kan ikke udgives")).to_be_visible()
    expect(page.get_by_text("publish it as version 3")).to_be_visible()  # v1, v2 are shipped
    checked(page, check_axe, "upload-refused")

    good = tmp_path / "mentor.v3.yaml"
    good.write_text(bad.read_text().replace("version: 1", "version: 3"))
    page.get_by_label("Fil", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Kontrollér og vis").click()
    expect(page.get_by_role("button", name="Udgiv som mentor version 3")).to_be_visible()
    checked(page, check_axe, "upload-preview")
    page.get_by_role("button", name="Udgiv som mentor version 3").click()
    expect(page.get_by_text("Versionen er udgivet.")).to_be_visible()
    page.goto(f"{base}/dashboard/questionnaires")
    expect(page.get_by_text("v2 → v3").first).to_be_visible()
    checked(page, check_axe, "questionnaires-after-publish")


@pytest.mark.skipif(
    not (REPO / "survey_app" / "static" / "routing.js").exists(),
    reason="the live routing script of the link pages is not in this tree yet",
)
def test_routing_is_live_in_the_link_preview(app, live_server, new_context, check_axe):
    from survey_app.db import get_session
    from survey_app.instruments.publishing import publish_version
    from survey_app.instruments.xlsform import import_xlsform
    from tests.test_xlsform import form

    data = form(
        ["select_one janej", "hvorfor", "Var det svært?", "Was it hard?", "no", "${q1} = 'no'"]
    )
    with app.app_context():
        publish_version(get_session(), import_xlsform(data, "routing-proeve", 1).questionnaire)
        get_session().commit()
    add_user(app, "evaluator@vive.dk", "evaluator")
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, live_server, "evaluator@vive.dk")
    page.goto(f"{live_server}/dashboard/questionnaires/routing-proeve/1")
    routed = page.get_by_text("Var det svært?")
    expect(routed).to_be_hidden()
    page.locator("#q-q1 label", has_text="Nej").click()
    expect(routed).to_be_visible()
    checked(page, check_axe, "preview-link-routed")
    page.locator("#q-q1 label", has_text="Ja").click()
    expect(routed).to_be_hidden()
