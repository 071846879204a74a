"""Fieldwork by e-mail in Chromium: a coordinator uploads a list and presses "Send påmindelse";
the page, the wave page and the opt-out page pass axe-core (WCAG 2.1 A/AA).

Set SURVEY_APP_SCREENSHOTS=DIR to keep a full-page screenshot of every page checked.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.mail.links import participant_token
from survey_app.models import Participant
from tests.browser import test_accessibility as axe
from tests.browser.test_staff_pages_in_browser import WIDE, fits, screenshot, sign_in
from tests.conftest import add_user, open_wave

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser
axe_source, check_axe, axe_page = axe.axe_source, axe.check_axe, axe.axe_page
MAIL_PAGE = "/dashboard/mail/ledighedsydelse/test-open"


def test_upload_send_and_remind_in_the_browser(app, live_server, new_context, check_axe, tmp_path):
    app.config["MAIL_RATE_PER_MINUTE"] = 600000
    open_wave(app)
    add_user(app, "koordinator@aalborg.dk", "coordinator", ["Aalborg"])
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, live_server, "koordinator@aalborg.dk")
    page.goto(f"{live_server}/dashboard/")
    page.get_by_role(
        "link", name="Deltagerliste og e-mails: ledighedsydelse – Test test-open"
    ).click()
    check_axe(page, "mail page, empty")
    # A bad file is refused with its line named, and nothing is added.
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nanna@example.dk\nikke-en-adresse\n", encoding="utf-8")
    page.get_by_label("CSV-fil med e-mailadresser").set_input_files(str(bad))
    page.get_by_role("button", name="Tilføj deltagere").click()
    expect(page.get_by_role("alert")).to_contain_text("linje 3")
    check_axe(page, "mail page, refused upload")
    good = tmp_path / "good.csv"
    good.write_text("email;navn\nanna@example.dk;Anna\nbo@example.dk;Bo\n", encoding="utf-8")
    page.get_by_label("CSV-fil med e-mailadresser").set_input_files(str(good))
    page.get_by_role("button", name="Tilføj deltagere").click()
    expect(page.get_by_role("status").first).to_contain_text("2 deltagere er tilføjet")
    page.get_by_role("button", name="Send invitationer").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitationer til 2 er sendt")
    page.get_by_role("button", name="Send påmindelse").click()
    expect(page.get_by_role("status").first).to_contain_text("Påmindelser til 2 er sendt")
    expect(page.locator("table.data").nth(1)).to_contain_text("Påmindelse")
    screenshot(page, "mail-page")
    fits(page, "the mail page")
    check_axe(page, "mail page with mailings")
    # The opt-out page a participant reaches from the mail.
    with app.app_context():
        nonce = get_session().execute(select(Participant.link_nonce)).scalars().first()
    opt_out = axe_page(new_context)
    opt_out.goto(
        f"{live_server}/paamindelser/{participant_token(app.config['MAIL_LINK_KEY'], nonce)}"
    )
    check_axe(opt_out, "opt-out page")
    opt_out.get_by_role("button", name="Jeg vil ikke have påmindelser").click()
    expect(opt_out.get_by_role("status")).to_contain_text("Du får ikke flere påmindelser")
    screenshot(opt_out, "opt-out")


def test_the_waves_page_passes_axe(app, live_server, new_context, check_axe):
    open_wave(app)
    add_user(app, "admin@vive.dk", "admin")
    page = axe_page(new_context, viewport=WIDE)
    sign_in(page, live_server, "admin@vive.dk")
    page.goto(f"{live_server}/dashboard/waves/")
    screenshot(page, "waves")
    check_axe(page, "waves page")
