"""axe-core on every citizen-facing page, in Danish and in English, plus 200% zoom and the
fieldset/legend of every question.

axe-core comes from the npm registry (package.json at the repository root: ``npm ci``) and is
loaded into Debian's Chromium by Playwright. Without node_modules/axe-core the axe tests skip,
unless SURVEY_APP_REQUIRE_BROWSER=1 (as in CI): then they fail.
"""

from __future__ import annotations

import os
import re

import pytest

from survey_app.models import Response
from tests.browser.test_tablet_in_browser import (
    CITIZEN,
    EN_PLAN,
    ITEMS,
    PIN,
    TOTAL,
    answer_all_by_click,
    answer_by_click,
    choice,
    pick,
    progress_text,
    tablet_for_citizen,
)
from tests.conftest import REPO, count_rows, invite, open_wave

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async tags => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary,
                               html: n.html.slice(0, 200)})),
  }));
}"""
ZOOMED = {"width": 384, "height": 512}  # a 768x1024 tablet at 200% zoom, in CSS px
NO_SIDEWAYS_SCROLL = """() => ({
  page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
  viewport: document.documentElement.clientWidth,
})"""
LANGUAGES = ["da", "en"]
TEXTS = {
    "da": {"send": "Send svar", "thanks": "Tak for dine svar", "review": "Dine svar"},
    "en": {
        "send": "Send answers",
        "thanks": "Thank you for your answers",
        "review": "Your answers",
    },
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The path of axe.min.js; skipped (or failed in CI) when npm has not installed it."""
    if not AXE.exists():
        reason = f"{AXE.relative_to(REPO)} is missing; run `npm ci` in {REPO}"
        if os.environ.get("SURVEY_APP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SURVEY_APP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"accessibility tests skipped: {reason}")
    return str(AXE)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.fixture
def check_axe(axe_source):
    """check_axe(page, what): axe-core finds no WCAG 2.1 A/AA violation on the page."""

    def check(page, what: str) -> None:
        page.wait_for_load_state("load")
        page.add_script_tag(path=axe_source)
        violations = page.evaluate(RUN_AXE, WCAG_TAGS)
        assert not violations, f"axe-core on {what} ({page.url}):\n" + format_violations(violations)

    return check


def axe_page(new_context, **options):
    """A page whose context lets Playwright inject axe.min.js despite the app's CSP."""
    return new_context(bypass_csp=True, **options).new_page()


def expect_lang(page, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language


# --- answering by invitation link --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_pages_have_no_axe_violations(
    app, live_server, new_context, check_axe, language
):
    page = axe_page(new_context)
    open_wave(app, questionnaire="en-plan", key="axe")
    [token] = invite(app, questionnaire="en-plan", wave="axe", municipality="Furesø",
                     respondent_keys=["sag-axe"])  # fmt: skip
    url = f"{live_server}/s/{token}?lang={language}"
    t = TEXTS[language]

    page.goto(url)
    expect_lang(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(EN_PLAN["title"][language])
    first = page.locator(f"#q-{ITEMS[0]} .question-text")
    expect(first).to_have_text(EN_PLAN["items"][0]["text"][language])
    check_axe(page, f"the answering form ({language})")

    label = choice(0)[2 if language == "en" else 1]
    page.locator(f"#q-{ITEMS[0]}").get_by_text(label, exact=True).click()
    page.get_by_role("button", name=t["send"]).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(TOTAL - 1)
    expect_lang(page, language)
    check_axe(page, f"the form with its error summary ({language})")

    for position in range(1, TOTAL):
        label = choice(position)[2 if language == "en" else 1]
        page.locator(f"#q-{ITEMS[position]}").get_by_text(label, exact=True).click()
    page.get_by_role("button", name=t["send"]).click()
    expect(page.get_by_role("heading", name=t["thanks"])).to_be_visible()
    expect_lang(page, language)
    check_axe(page, f"the received page ({language})")
    assert count_rows(app, Response) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_closed_not_open_and_unknown_link_pages_have_no_axe_violations(
    app, live_server, new_context, check_axe, language
):
    page = axe_page(new_context)
    open_wave(app, questionnaire="en-plan", key="closed", days_open=(-30, -1))
    [closed] = invite(app, questionnaire="en-plan", wave="closed", municipality="Furesø")
    open_wave(app, questionnaire="en-plan", key="later", days_open=(2, 30))
    [later] = invite(app, questionnaire="en-plan", wave="later", municipality="Furesø")
    heading = {
        "closed": {"da": "Spørgeskemaet er lukket", "en": "The questionnaire is closed"},
        "later": {
            "da": "Spørgeskemaet er ikke åbnet endnu",
            "en": "The questionnaire is not open yet",
        },
        "unknown": {"da": "Siden findes ikke", "en": "The page does not exist"},
    }
    for what, token, status in (("closed", closed, 410), ("later", later, 403),
                                ("unknown", "no-such-token", 404)):  # fmt: skip
        reply = page.goto(f"{live_server}/s/{token}?lang={language}")
        assert reply.status == status
        expect(page.get_by_role("heading", level=1)).to_have_text(heading[what][language])
        expect_lang(page, language)
        if what != "unknown":
            expect(page.locator("main")).to_contain_text(EN_PLAN["title"][language])
        check_axe(page, f"the {what} page ({language})")


def test_every_question_of_the_answering_form_is_a_fieldset_with_a_legend(
    app, live_server, keyboard_page
):
    page = keyboard_page
    open_wave(app, questionnaire="en-plan", key="legend")
    [token] = invite(app, questionnaire="en-plan", wave="legend", municipality="Furesø")
    page.goto(f"{live_server}/s/{token}")
    expect(page.locator("fieldset.question")).to_have_count(TOTAL)
    for item in EN_PLAN["items"]:
        group = page.get_by_role("group", name=item["text"]["da"])
        expect(group).to_have_count(1)
        expect(group.locator("> legend")).to_contain_text(item["text"]["da"])
        expect(group.get_by_role("radio")).to_have_count(len(EN_PLAN["options"]))


# --- the tablet --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_tablet_pages_have_no_axe_violations(app, live_server, new_context, check_axe, language):
    page = axe_page(new_context, touch=True)
    t = TEXTS[language]
    tablet_for_citizen(app, page, live_server, language=language)
    expect_lang(page, language)
    check_axe(page, f"the first question screen ({language})")

    answer_by_click(page, 0, language)
    expect(page.get_by_text(progress_text(2, language), exact=True)).to_be_visible()
    check_axe(page, f"a question screen with Back ({language})")

    locked = page.goto(f"{live_server}/dashboard/")
    assert locked.status == 403
    expect_lang(page, language)
    check_axe(page, f"the locked page ({language})")

    page.goto(f"{live_server}/kiosk/leave")
    expect_lang(page, language)
    check_axe(page, f"the leave/PIN page ({language})")
    page.get_by_label("PIN code" if language == "en" else "PIN-kode").fill("0000")
    page.get_by_role("button", name="Finish" if language == "en" else "Afslut").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_axe(page, f"the leave page with a wrong PIN ({language})")

    page.goto(f"{live_server}/kiosk/answer")
    for position in range(1, TOTAL):
        answer_by_click(page, position, language)
    expect(page.get_by_role("heading", name=t["review"])).to_be_visible()
    check_axe(page, f"the review screen ({language})")

    page.get_by_role("button", name=t["send"]).click()
    expect(page.get_by_role("heading", name=t["thanks"])).to_be_visible()
    expect(page.locator("#own-progress .main-svg").first).to_be_visible()
    expect_lang(page, language)
    check_axe(page, f"the done page with the chart ({language})")

    page.goto(f"{live_server}/kiosk/ended")
    expect_lang(page, language)
    check_axe(page, f"the ended page ({language})")


def test_tablet_with_all_questions_on_one_page_has_no_axe_violations(
    app, live_server, new_context, check_axe
):
    page = axe_page(new_context)
    tablet_for_citizen(app, page, live_server, layout="all")
    expect(page.locator("fieldset.question")).to_have_count(TOTAL)
    check_axe(page, "all questions on one page")


def test_whole_tablet_flow_at_200_percent_zoom(app, live_server, new_context):
    """At 200% zoom (384x512 CSS px) nothing scrolls sideways, and every question is a
    fieldset whose legend names its radio group."""
    page = new_context(touch=True, viewport=ZOOMED).new_page()
    tablet_for_citizen(app, page, live_server)

    def no_sideways_scrolling(what):
        width = page.evaluate(NO_SIDEWAYS_SCROLL)
        assert max(width["page"], width["body"]) <= width["viewport"], (what, width)

    for position, item in enumerate(EN_PLAN["items"]):
        expect(page.get_by_text(progress_text(position + 1), exact=True)).to_be_visible()
        no_sideways_scrolling(f"question {position + 1}")
        group = page.get_by_role("group", name=item["text"]["da"])
        expect(group).to_have_count(1)
        assert group.evaluate("e => e.tagName") == "FIELDSET"
        expect(group.locator("> legend")).to_have_text(item["text"]["da"])
        expect(group.get_by_role("radio")).to_have_count(len(EN_PLAN["options"]))
        for button in page.locator(".actions button").all():
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= ZOOMED["width"], box
        pick(page, item["key"], choice(position)[1])
        page.get_by_role("button", name="Næste").click()

    expect(page.get_by_role("heading", name="Dine svar")).to_be_visible()
    no_sideways_scrolling("the review screen")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    expect(page.locator("#own-progress .main-svg").first).to_be_visible()
    no_sideways_scrolling("the done page")
    page.goto(f"{live_server}/kiosk/leave")
    no_sideways_scrolling("the leave page")
    page.get_by_label("PIN-kode").fill(PIN)
    page.get_by_role("button", name="Afslut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Borger {CITIZEN}")
    assert count_rows(app, Response) == 1


def test_review_screen_lists_every_answer_at_200_percent_zoom(app, live_server, new_context):
    page = new_context(viewport=ZOOMED).new_page()
    tablet_for_citizen(app, page, live_server, language="en")
    answer_all_by_click(page, "en")
    expect(page.locator("dl.review dd")).to_have_text([choice(p)[2] for p in range(TOTAL)])
    width = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert max(width["page"], width["body"]) <= width["viewport"], width


@pytest.mark.parametrize("language", LANGUAGES)
def test_next_without_an_answer_says_what_is_missing_on_that_question(
    app, live_server, new_context, check_axe, language
):
    page = axe_page(new_context, touch=True)
    tablet_for_citizen(app, page, live_server, language=language)
    page.get_by_role("button", name="Next" if language == "en" else "Næste").click()
    # Still the first question, with the error inside its fieldset and named by it.
    expect(page.get_by_text(progress_text(1, language), exact=True)).to_be_visible()
    group = page.locator(f"#q-{ITEMS[0]}")
    message = (
        "Choose an answer to this question."
        if language == "en"
        else ("Vælg et svar på dette spørgsmål.")
    )
    expect(group.get_by_role("alert")).to_have_text(message)
    assert group.get_attribute("aria-describedby") == f"err-{ITEMS[0]}"
    expect(page).to_have_title(re.compile("^(Fejl|Error): "))
    check_axe(page, f"a question with its missing-answer error ({language})")
    answer_by_click(page, 0, language)
    expect(page.get_by_text(progress_text(2, language), exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_the_thank_you_page_names_its_chart_once_without_overlapping_markers(
    app, live_server, new_context, check_axe
):
    page = axe_page(new_context, touch=True)
    tablet_for_citizen(app, page, live_server)
    # The same answer everywhere: every domain scores the same, so the markers would meet.
    middle = EN_PLAN["options"][2][1]
    for item in ITEMS:
        pick(page, item, middle)
        page.get_by_role("button", name="Næste").click()
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", name="Tak for dine svar")).to_be_visible()
    # plotly.js is a few MB: on a busy machine it may take a while to draw.
    expect(page.locator("#own-progress .main-svg").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Dine svar over tid")).to_have_count(1)
    assert page.locator("#own-progress .gtitle").count() == 0
    ticks = page.locator("#own-progress .xtick text").all_text_contents()
    assert len(ticks) == 1 and re.fullmatch(r"1\. gang\d+\. [a-zæøå]+ \d{4}", ticks[0]), ticks
    # Every domain's first-time marker is visible beside the others, not hidden under them.
    boxes = [p.bounding_box() for p in page.locator("#own-progress .scatterlayer .point").all()]
    assert len(boxes) == page.locator("#own-progress .scatterlayer .trace").count() == 4, boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            assert apart or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"], (a, b)
    check_axe(page, "the thank-you page after the first time")
