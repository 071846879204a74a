"""The citizen tablet in Chromium: a caseworker signs in, starts a session for a citizen and
hands the tablet over; the citizen answers "Én plan" one question per screen.

These tests check what only a real browser shows: the whole flow by keyboard alone, answers
kept in localStorage and sent again when the network comes back (without duplicates), the
kiosk lock and the PIN, no cached answers after leaving, and the English version.
"""

from __future__ import annotations

import json

import pytest
import yaml
from sqlmodel import select

from survey_app.db import get_session
from survey_app.kiosk.citizens import register_citizen
from survey_app.models import KioskSession, Response
from survey_app.registry import find_municipality
from tests.browser.test_answering_in_browser import stored_responses
from tests.conftest import PASSWORD, QUESTIONNAIRES, add_user, count_rows

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

CASEWORKER = "sagsbehandler@example.dk"
MUNICIPALITY = "Furesø"
CITIZEN = "sag-2024-0117"
PIN = "4711"
QUEUE = "kiosk-pending"
FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, id: e.id, name: e.getAttribute('name') || '',
          text: e.textContent.trim(), checked: e.checked === true};
}"""


def en_plan() -> dict:
    """The questionnaire as written: items, and the options (code, label da, label en)."""
    definition = yaml.safe_load((QUESTIONNAIRES / "en-plan.v1.yaml").read_text(encoding="utf-8"))
    [scale] = definition["scales"]
    options = [(o["code"], o["label"]["da"], o["label"]["en"]) for o in scale["options"]]
    ns = scale["non_substantive"]
    options.append((ns["key"], ns["label"]["da"], ns["label"]["en"]))
    return {"title": definition["title"], "items": definition["items"], "options": options}


EN_PLAN = en_plan()
ITEMS = [item["key"] for item in EN_PLAN["items"]]
TOTAL = len(ITEMS)


def register(app, pseudonym=CITIZEN, municipality=MUNICIPALITY) -> None:
    """Register a citizen directly (the staff form is tested elsewhere)."""
    with app.app_context():
        session = get_session()
        register_citizen(session, pseudonym, find_municipality(session, municipality), None)
        session.commit()


def sign_in_as_caseworker(app, page, live_server, email=CASEWORKER) -> None:
    """Create a caseworker in Furesø and sign in through the real form."""
    add_user(app, email, "caseworker", [MUNICIPALITY])
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ind")).to_have_count(0)


def start_tablet(page, live_server, pseudonym=CITIZEN, language="da", layout="one", pin=PIN):
    """On the citizen's page: choose language and layout, set the PIN, hand the tablet over."""
    page.goto(f"{live_server}/kiosk/citizens/{pseudonym}")
    page.get_by_label("Spørgeskema").select_option("en-plan")
    page.get_by_label("Sprog").select_option(language)
    page.get_by_label("Visning").select_option(layout)
    page.get_by_label("Din PIN-kode").fill(pin)
    page.get_by_label("Gentag PIN-koden").fill(pin)
    page.get_by_role("button", name="Start på tabletten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EN_PLAN["title"][language])


def tablet_for_citizen(app, page, live_server, **start):
    """A caseworker signed in, a registered citizen and a running tablet session."""
    register(app)
    sign_in_as_caseworker(app, page, live_server)
    start_tablet(page, live_server, **start)


def progress_text(number: int, language: str = "da") -> str:
    if language == "en":
        return f"Question {number} of {TOTAL}"
    return f"Spørgsmål {number} af {TOTAL}"


def choice(position: int) -> tuple:
    """The option used for the question at ``position``: every option at least once."""
    return EN_PLAN["options"][position % len(EN_PLAN["options"])]


def expected_answers() -> dict:
    return {key: choice(position)[0] for position, key in enumerate(ITEMS)}


def pick(page, item_key: str, label: str) -> None:
    """Click an option's label, as the citizen would, and see its radio become checked."""
    fieldset = page.locator(f"#q-{item_key}")
    fieldset.get_by_text(label, exact=True).click()
    expect(fieldset.get_by_label(label, exact=True)).to_be_checked()


def answer_by_click(page, position: int, language: str = "da") -> None:
    """Click the chosen option of the question on screen, then "Næste"."""
    expect(page.get_by_text(progress_text(position + 1, language), exact=True)).to_be_visible()
    code, label_da, label_en = choice(position)
    label = label_en if language == "en" else label_da
    pick(page, ITEMS[position], label)
    page.get_by_role("button", name="Next" if language == "en" else "Næste").click()


def answer_all_by_click(page, language: str = "da") -> None:
    for position in range(TOTAL):
        answer_by_click(page, position, language)
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Your answers" if language == "en" else "Dine svar"
    )


def kiosk_row(app) -> KioskSession:
    with app.app_context():
        return get_session().exec(select(KioskSession)).one()


def pending(page):
    """The post kept in localStorage until the server confirms it (None when there is none)."""
    raw = page.evaluate(f"() => window.localStorage.getItem('{QUEUE}')")
    return json.loads(raw) if raw else None


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, what: str, limit: int = 15) -> dict:
    """Press Tab until ``wanted(focused element)`` holds; fail after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"{what} not reached by {limit} presses of Tab (last: {now})")


def tab_to_button(page, text: str) -> None:
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == text, f"the button {text!r}")


def choose_by_keyboard(page, position: int) -> None:
    """Tab into the radio group, Space on the first option, arrows down to the chosen one."""
    item = ITEMS[position]
    now = tab_to(page, lambda f: f["name"] == f"item-{item}", f"the options of {item}")
    assert now["id"] == f"item-{item}-1" and not now["checked"], now
    page.keyboard.press("Space")
    steps = position % len(EN_PLAN["options"])
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    now = focused(page)
    assert now["checked"] and now["id"] == f"item-{item}-{choice(position)[0]}", now


def test_whole_flow_by_keyboard_alone_with_back_keeping_the_answer(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server)

    for position in range(TOTAL):
        expect(page.get_by_text(progress_text(position + 1), exact=True)).to_be_visible()
        expect(page.locator("fieldset.question")).to_have_count(1)
        choose_by_keyboard(page, position)
        tab_to_button(page, "Næste")
        page.keyboard.press("Enter")
        if position == 4:  # go back one screen: the answer given there is still chosen
            expect(page.get_by_text(progress_text(6), exact=True)).to_be_visible()
            tab_to_button(page, "Tilbage")
            page.keyboard.press("Enter")
            expect(page.get_by_text(progress_text(5), exact=True)).to_be_visible()
            back, code = ITEMS[4], choice(4)[0]
            expect(page.locator(f"#item-{back}-{code}")).to_be_checked()
            now = tab_to(page, lambda f, name=f"item-{back}": f["name"] == name, "the group")
            assert now["checked"] and now["id"] == f"item-{back}-{code}", now
            tab_to_button(page, "Næste")
            page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Dine svar")).to_be_visible()
    review = page.locator("dl.review dd")
    expect(review).to_have_count(TOTAL)
    expect(review.first).to_have_text(choice(0)[1])
    assert count_rows(app, Response) == 0
    tab_to_button(page, "Send svar")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    expect(page.locator(".progress-sentences li").first).to_contain_text("første gang")
    expect(page.locator("#own-progress .main-svg").first).to_be_visible()
    assert stored_responses(app) == [{"respondent_key": CITIZEN, "answers": expected_answers()}]
    assert pending(page) is None


def test_offline_answer_is_kept_and_sent_when_the_network_returns(app, live_server, new_context):
    context = new_context(touch=True)
    page = context.new_page()
    tablet_for_citizen(app, page, live_server)
    code, label, _ = choice(0)
    pick(page, ITEMS[0], label)

    context.set_offline(True)
    page.get_by_role("button", name="Næste").click()
    banner = page.locator("#connection-status")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Ingen forbindelse")
    kept = pending(page)
    assert kept is not None and kept["action"].endswith("/kiosk/answer")
    assert [f"item-{ITEMS[0]}", str(code)] in kept["fields"] and ["move", "next"] in kept["fields"]
    expect(page.get_by_text(progress_text(1), exact=True)).to_be_visible()
    row = kiosk_row(app)
    assert (row.position, json.loads(row.draft)) == (0, {})  # nothing reached the server

    context.set_offline(False)  # the page sends again by itself and moves on
    expect(page.get_by_text(progress_text(2), exact=True)).to_be_visible(timeout=15_000)
    assert pending(page) is None
    row = kiosk_row(app)
    assert (row.position, json.loads(row.draft)) == (1, {ITEMS[0]: code})


def test_a_refused_answer_is_kept_announced_and_sent_again_after_reload(
    app, live_server, new_context
):
    """A 4xx (here a stale security token) never drops the answer (issue 9, finding 1)."""
    context = new_context(touch=True)
    page = context.new_page()
    tablet_for_citizen(app, page, live_server)
    code, label, _ = choice(0)
    pick(page, ITEMS[0], label)
    page.locator("form[data-offline-queue] input[name='csrf_token']").evaluate(
        "input => { input.value = 'old'; }"
    )
    page.get_by_role("button", name="Næste").click()

    notice = page.locator("#send-refused")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Dit svar er ikke modtaget endnu")
    kept = pending(page)
    assert kept is not None and kept["refused"] == 400
    assert [f"item-{ITEMS[0]}", str(code)] in kept["fields"]
    assert json.loads(kiosk_row(app).draft) == {}  # nothing stored yet, nothing lost either
    page.wait_for_timeout(6_000)  # the periodic resend leaves a refused answer alone
    assert kiosk_row(app).position == 0 and pending(page) is not None

    notice.get_by_role("button", name="Prøv igen").click()  # reload: the fresh token is used
    expect(page.get_by_text(progress_text(2), exact=True)).to_be_visible(timeout=15_000)
    assert pending(page) is None
    row = kiosk_row(app)
    assert (row.position, json.loads(row.draft)) == (1, {ITEMS[0]: code})


def test_offline_submission_is_sent_once_when_the_network_returns(app, live_server, new_context):
    context = new_context(touch=True)
    page = context.new_page()
    tablet_for_citizen(app, page, live_server)
    answer_all_by_click(page)

    context.set_offline(True)
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#connection-status")).to_be_visible()
    kept = pending(page)
    assert kept is not None and kept["action"].endswith("/kiosk/submit")
    assert count_rows(app, Response) == 0

    context.set_offline(False)
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible(timeout=15_000)
    expect(page.locator("#own-progress .main-svg").first).to_be_visible()
    assert pending(page) is None
    assert stored_responses(app) == [{"respondent_key": CITIZEN, "answers": expected_answers()}]

    # The same submission once more (a resend after a lost confirmation): still one response.
    status = page.evaluate(
        """async kept => {
          const reply = await fetch(kept.action, {method: "POST", credentials: "same-origin",
            body: new URLSearchParams(kept.fields)});
          return reply.status;
        }""",
        kept,
    )
    assert status == 200
    assert count_rows(app, Response) == 1


def test_two_simultaneous_final_submissions_store_one_response(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server)
    answer_all_by_click(page)

    statuses = page.evaluate(
        """async () => {
          const form = document.querySelector("form[action$='/kiosk/submit']");
          const send = () => fetch(form.action, {method: "POST", credentials: "same-origin",
            body: new URLSearchParams(new FormData(form))}).then(reply => reply.status);
          return Promise.all([send(), send(), send()]);
        }"""
    )
    assert statuses == [200, 200, 200]
    assert count_rows(app, Response) == 1
    page.reload()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()


RESEND_NEXT = """async answered => {
  const form = document.querySelector("form[data-offline-queue]");
  const fields = new FormData(form);
  if (!answered) {
    for (const key of [...fields.keys()]) { if (key.startsWith("item-")) fields.delete(key); }
  }
  fields.append("move", "next");
  const body = new URLSearchParams(fields);
  // the first reply is "lost" on the way back; the queue sends the same post again
  const first = await fetch(form.action, {method: "POST", credentials: "same-origin", body});
  const again = await fetch(form.action, {method: "POST", credentials: "same-origin", body});
  return [first.status, again.status];
}"""


def test_a_resent_answer_moves_on_once_and_skips_no_question(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server)
    pick(page, ITEMS[0], choice(0)[1])
    # The resend carries the position of the screen it was sent from, so it stores question 1's
    # answer again and moves on from question 1 again: the citizen lands on question 2.
    assert page.evaluate(RESEND_NEXT, True) == [200, 200]
    page.reload()
    expect(page.get_by_text(progress_text(2), exact=True)).to_be_visible()
    assert json.loads(kiosk_row(app).draft) == {ITEMS[0]: choice(0)[0]}


def test_a_resent_next_without_an_answer_stays_on_the_question(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server)
    assert page.evaluate(RESEND_NEXT, False) == [200, 200]
    page.reload()
    expect(page.get_by_text(progress_text(1), exact=True)).to_be_visible(timeout=1_000)


def test_kiosk_is_locked_until_the_pin_and_back_shows_no_answers(app, live_server, new_context):
    page = new_context().new_page()
    headers = {}

    def remember(response):
        if "/kiosk/" in response.url and "/static/" not in response.url:
            headers[response.url] = response.headers.get("cache-control", "")

    page.on("response", remember)
    tablet_for_citizen(app, page, live_server)
    answer_by_click(page, 0)
    answer_by_click(page, 1)
    expect(page.get_by_text(progress_text(3), exact=True)).to_be_visible()

    for staff_page in ("/dashboard/", "/kiosk/", f"/kiosk/citizens/{CITIZEN}", "/admin/"):
        reply = page.goto(live_server + staff_page)
        assert reply.status == 403, staff_page
        expect(page.get_by_role("heading", name="Tabletten er i brug")).to_be_visible()
        expect(page.locator("a[href*='/dashboard'], a[href*='/admin']")).to_have_count(0)

    page.goto(f"{live_server}/kiosk/leave")
    page.get_by_label("PIN-kode").fill("0000")
    page.get_by_role("button", name="Afslut").click()
    expect(page.get_by_role("alert")).to_contain_text("Forkert PIN-kode.")
    assert page.goto(f"{live_server}/dashboard/").status == 403  # still locked

    # Back on the question answered last (its answer shown), pause, and leave with the PIN.
    page.goto(f"{live_server}/kiosk/answer")
    page.get_by_role("button", name="Tilbage").click()
    expect(page.get_by_text(progress_text(2), exact=True)).to_be_visible()
    expect(page.locator("input[type=radio]:checked")).to_have_count(1)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("heading", name="Pause")).to_be_visible()
    page.get_by_label("PIN-kode").fill(PIN)
    page.get_by_role("button", name="Afslut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Borger {CITIZEN}")

    # The browser's Back: the pages are fetched again (no-store) and show no answers.
    for _ in range(2):
        page.go_back()
        page.wait_for_load_state()
        expect(page.locator("input[type=radio]:checked")).to_have_count(0)
        expect(page.locator("fieldset.question")).to_have_count(0)
        expect(page.locator("body")).not_to_contain_text(choice(1)[1])
    assert "/kiosk/answer" in page.url

    page.goto(f"{live_server}/kiosk/")  # staff pages work again
    expect(page.get_by_role("heading", name="Borgere og tablet")).to_be_visible()

    tablet_pages = {url: value for url, value in headers.items() if "/kiosk/answer" in url}
    assert tablet_pages and {url for url in headers if "/kiosk/leave" in url}
    for url, value in headers.items():
        assert "no-store" in value, (url, value)


def test_english_session_shows_english_texts_and_buttons(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server, language="en")
    assert page.locator("html").get_attribute("lang") == "en"
    first = EN_PLAN["items"][0]
    expect(page.get_by_text(progress_text(1, "en"), exact=True)).to_be_visible()
    expect(page.locator(f"#q-{ITEMS[0]} legend")).to_have_text(first["text"]["en"])
    for _, _, label in EN_PLAN["options"]:
        expect(page.locator(f"#q-{ITEMS[0]}").get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Next")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()

    answer_by_click(page, 0, "en")
    expect(page.get_by_role("button", name="Back")).to_be_visible()
    expect(page.locator(f"#q-{ITEMS[1]} legend")).to_have_text(EN_PLAN["items"][1]["text"]["en"])
    for position in range(1, TOTAL):
        answer_by_click(page, position, "en")
    expect(page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(page.locator("dl.review dt").first).to_contain_text(first["text"]["en"])
    page.get_by_role("button", name="Send answers").click()

    expect(page.get_by_role("heading", name="Thank you for your answers")).to_be_visible()
    expect(page.locator(".progress-sentences li")).to_have_text(
        ["This is the first time you answer. Next time you can see if anything changed."]
    )
    expect(page.locator("#own-progress .main-svg").first).to_be_visible()
    expect(page.locator("figure.chart figcaption")).to_have_text("Your answers over time")
    expect(page.locator("#own-progress")).to_contain_text("Time 1")
    body = page.locator("body").inner_text()
    for danish in ("Spørgsmål", "Tak for dine svar", "Næste", "Tilbage", "Dine svar"):
        assert danish not in body, danish
    assert page.goto(f"{live_server}/dashboard/").status == 403
    expect(page.get_by_role("heading", name="The tablet is in use")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_language_can_be_switched_on_the_tablet(app, live_server, new_context):
    page = new_context().new_page()
    tablet_for_citizen(app, page, live_server)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text(progress_text(1, "en"), exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_text(progress_text(1), exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "da"
