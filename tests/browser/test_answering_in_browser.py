"""A person answering in Chromium at a 768x1024 tablet viewport: by touch, by keyboard alone,
saving part-way and resuming, fixing a missing answer, and with JavaScript turned off.

The flow itself is covered through Flask's test client in ``tests/test_answering.py``; these
tests check what only a real browser shows: that labels, radio groups, focus, the error
summary's links and the touch target sizes work for a person.
"""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import select

from survey_app.db import get_session
from survey_app.models import Answer, LinkDraft, Response
from tests.conftest import QUESTIONNAIRES, count_rows, invite, open_wave

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

Q1 = "forenklet_sagsbehandling"
Q2 = "kvalitet_revurdering"
MIN_TARGET = 44  # px, WCAG 2.5.5 target size (the stylesheet aims for 3rem = 54 px)
FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, id: e.id, name: e.getAttribute('name') || '',
          text: e.textContent.trim(), checked: e.checked === true};
}"""
TEXT_BOX = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const b = range.getBoundingClientRect();
  return {x: b.x, y: b.y, w: b.width, h: b.height};
}"""
FOCUS_STYLE = """() => {
  const s = getComputedStyle(document.activeElement);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow};
}"""


def answer_url(app, live_server, questionnaire="ledighedsydelse", wave="browser", **invite_kw):
    """Open a wave of ``questionnaire`` and return the personal link of one invitation."""
    open_wave(app, questionnaire=questionnaire, key=wave)
    [token] = invite(app, questionnaire=questionnaire, wave=wave, **invite_kw)
    return f"{live_server}/s/{token}"


def stored_responses(app) -> list[dict]:
    """Every stored response as {"respondent_key": ..., "answers": {item: code or missing}}."""
    with app.app_context():
        session = get_session()
        stored = []
        for response in session.exec(select(Response)).all():
            rows = session.exec(select(Answer).where(Answer.response_id == response.id)).all()
            answers = {a.item_key: a.value if a.value is not None else a.missing for a in rows}
            stored.append({"respondent_key": response.respondent_key, "answers": answers})
        return stored


def question(page, item_key):
    return page.locator(f"#q-{item_key}")


def tap_answer(page, item_key, label):
    """Tap an option's label text, as a finger would, and see its radio become checked."""
    fieldset = question(page, item_key)
    fieldset.get_by_text(label, exact=True).tap()
    expect(fieldset.get_by_label(label, exact=True)).to_be_checked()


def expect_thanks(page):
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_is_visible(page, what):
    """The focused element has the stylesheet's focus ring, not just the browser's 1 px default."""
    ring = page.evaluate(FOCUS_STYLE)
    outlined = ring["style"] not in ("none", "auto") and ring["width"] >= 2
    assert outlined or ring["shadow"] != "none", f"no visible focus ring on {what}: {ring}"


def test_caseworker_answers_the_whole_questionnaire_by_touch(app, live_server, touch_page):
    page = touch_page
    page.goto(answer_url(app, live_server))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ledighedsydelse")

    tap_answer(page, Q1, "I nogen grad")
    tap_answer(page, Q2, "Ved ikke")
    tap_answer(page, Q2, "af samme kvalitet")  # changing one's mind by tapping another option
    expect(question(page, Q2).get_by_label("Ved ikke")).not_to_be_checked()
    page.get_by_role("button", name="Send svar").tap()

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": None, "answers": {Q1: 4, Q2: 2}}]


def test_keyboard_alone_answers_and_submits_with_visible_focus(app, live_server, keyboard_page):
    page = keyboard_page
    page.goto(answer_url(app, live_server))

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Gå til indholdet"  # the skip link comes first, on screen
    assert page.get_by_role("link", name="Gå til indholdet").bounding_box()["x"] >= 0
    page.keyboard.press("Tab")
    assert focused(page) == {
        "tag": "INPUT",
        "id": f"item-{Q1}-1",
        "name": f"item-{Q1}",
        "text": "",
        "checked": False,
    }
    assert_focus_is_visible(page, "a radio button")
    for _ in range(3):  # arrow keys move through the group and select as they go
        page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == f"item-{Q1}-4" and focused(page)["checked"]
    assert_focus_is_visible(page, "a checked radio button")

    page.keyboard.press("Tab")  # one Tab leaves the group for the next question
    assert focused(page)["id"] == f"item-{Q2}-1" and not focused(page)["checked"]
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == f"item-{Q2}-2" and focused(page)["checked"]

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Send svar"
    assert_focus_is_visible(page, "the submit button")
    page.keyboard.press("Enter")

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": None, "answers": {Q1: 4, Q2: 2}}]


def test_save_part_way_and_resume_in_a_new_browser_session(app, live_server, new_context):
    url = answer_url(app, live_server)
    first = new_context(touch=True)
    page = first.new_page()
    page.goto(url)
    tap_answer(page, Q1, "I høj grad")
    page.get_by_role("button", name="Gem og fortsæt senere").tap()
    expect(page.get_by_role("status")).to_contain_text("Dine svar er gemt")
    expect(question(page, Q1).get_by_label("I høj grad")).to_be_checked()
    first.close()
    assert count_rows(app, Response) == 0

    page = new_context(touch=True).new_page()  # later, a fresh browser with no cookies
    page.goto(url)
    expect(question(page, Q1).get_by_label("I høj grad")).to_be_checked()
    expect(question(page, Q2).locator("input:checked")).to_have_count(0)
    tap_answer(page, Q2, "af meget højere kvalitet")
    page.get_by_role("button", name="Send svar").tap()

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": None, "answers": {Q1: 5, Q2: 4}}]
    assert count_rows(app, LinkDraft) == 0


def test_missing_answer_shows_a_summary_whose_link_leads_to_the_question(
    app, live_server, keyboard_page
):
    page = keyboard_page
    page.goto(answer_url(app, live_server))
    question(page, Q1).get_by_text("Hverken eller", exact=True).click()
    page.get_by_role("button", name="Send svar").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="Der mangler svar")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(question(page, Q2)).to_contain_text("Fejl: Vælg et svar på dette spørgsmål.")
    expect(question(page, Q1)).not_to_contain_text("Fejl:")
    expect(question(page, Q1).get_by_label("Hverken eller")).to_be_checked()
    assert count_rows(app, Response) == 0

    summary.get_by_role("link", name="Hvordan vurderer du kvaliteten").click()
    assert page.url.endswith(f"#item-{Q2}-1")
    expect(question(page, Q2)).to_be_in_viewport()
    assert focused(page)["id"] == f"item-{Q2}-1"  # the link leads to the question's first option
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send svar").click()

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": None, "answers": {Q1: 3, Q2: 1}}]


def test_error_summary_calls_the_question_by_its_own_number(app, live_server, keyboard_page):
    page = keyboard_page
    page.goto(answer_url(app, live_server))
    question(page, Q1).get_by_text("I mindre grad", exact=True).click()
    page.get_by_role("button", name="Send svar").click()

    link = page.get_by_role("alert").get_by_role("link")
    expect(link).to_have_count(1)
    expect(question(page, Q2)).to_contain_text("Spørgsmål 2 af 2")
    expect(link).to_contain_text("Spørgsmål 2:", timeout=1_000)


def test_touch_targets_are_large_and_the_whole_label_selects(app, live_server, touch_page):
    page = touch_page
    page.goto(answer_url(app, live_server))
    assert page.evaluate("document.documentElement.scrollWidth") <= 768  # no sideways scrolling

    rows = page.locator(".option")
    expect(rows).to_have_count(6 + 5)
    targets = [(f"option {i + 1}", row) for i, row in enumerate(rows.all())]
    targets += [
        (name, page.get_by_role("button", name=name))
        for name in ("Send svar", "Gem og fortsæt senere")
    ]
    for what, target in targets:
        box = target.bounding_box()
        assert box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET, (what, box)

    labels = question(page, Q1).locator("label")
    for where in ("text start", "text end", "right edge", "top padding"):
        for label in labels.all():
            box = label.bounding_box()
            text = label.evaluate(TEXT_BOX)
            x, y = {
                "text start": (text["x"] + 2, text["y"] + text["h"] / 2),
                "text end": (text["x"] + text["w"] - 2, text["y"] + text["h"] / 2),
                "right edge": (box["x"] + box["width"] - 3, box["y"] + box["height"] / 2),
                "top padding": (box["x"] + box["width"] / 2, box["y"] + 3),
            }[where]
            label.tap(position={"x": x - box["x"], "y": y - box["y"]})
            radio = page.locator(f"#{label.get_attribute('for')}")
            expect(radio, f"tap at {where} of {label.inner_text()!r}").to_be_checked()


def test_answering_works_with_javascript_turned_off(app, live_server, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(answer_url(app, live_server))
    question(page, Q1).get_by_text("Slet ikke", exact=True).click()
    question(page, Q2).get_by_text("i nogen grad af højere kvalitet", exact=True).click()
    page.get_by_role("button", name="Send svar").click()

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": None, "answers": {Q1: 1, Q2: 3}}]


def test_citizen_answers_en_plan_completely_by_touch(app, live_server, touch_page):
    definition = yaml.safe_load((QUESTIONNAIRES / "en-plan.v1.yaml").read_text(encoding="utf-8"))
    [scale] = definition["scales"]
    choices = [(o["code"], o["label"]["da"]) for o in scale["options"]]
    choices.append((scale["non_substantive"]["key"], scale["non_substantive"]["label"]["da"]))
    items = [item["key"] for item in definition["items"]]
    page = touch_page
    page.goto(
        answer_url(
            app,
            live_server,
            questionnaire="en-plan",
            wave="browser-en-plan",
            municipality="Furesø",
            respondent_keys=["sag-1"],
        )
    )
    expect(page.locator("fieldset.question")).to_have_count(len(items))
    expect(page.get_by_text(f"Spørgsmål {len(items)} af {len(items)}")).to_be_visible()

    expected = {}
    for position, item_key in enumerate(items):
        code, label = choices[position % len(choices)]  # every option used at least once
        tap_answer(page, item_key, label)
        expected[item_key] = code
    page.get_by_role("button", name="Send svar").tap()

    expect_thanks(page)
    assert stored_responses(app) == [{"respondent_key": "sag-1", "answers": expected}]
