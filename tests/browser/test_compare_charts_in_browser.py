"""The wave comparison's charts as Chromium draws them agree with the page's tables.

Small explicit data: Aalborg (7 and 6 answers, spread over the options, as on the demo page
where the chart said n=0), Thisted (6 and 5) and Læsø (2 and 2, hidden). For every group the
chart's row label carries the same n as the table, or the same reason the group is hidden,
and the legend stays clear of the title. axe-core finds no WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import axe_page, axe_source, check_axe  # noqa: F401
from tests.conftest import PASSWORD, add_user, open_wave
from tests.test_dashboards import COMPARE, answer_waves

pytestmark = pytest.mark.browser

ITEM = "forenklet_sagsbehandling"
EVALUATOR = "eva@vive.dk"
TABLE_ROWS = """caption => {
  const table = [...document.querySelectorAll("table.data")]
    .find(t => t.caption.textContent.trim() === caption);
  const rows = {}; let group = null;
  for (const tr of table.tBodies[0].rows) {
    const head = tr.querySelector("th"); if (head) group = head.textContent.trim();
    const cells = [...tr.querySelectorAll("td")].map(td => td.textContent.trim());
    const hidden = tr.querySelector("td.hidden-group");
    rows[group + "/" + cells[0]] = hidden ? hidden.textContent.trim() : cells[cells.length - 3];
  }
  return rows;
}"""
CHART_ROWS = """id => {
  const root = document.getElementById(id);
  const titles = [...root.querySelectorAll("g.annotation text")].map(t => t.textContent);
  const panels = titles.length ? titles : ["alle"];
  return panels.map((title, i) => {
    const name = i === 0 ? "xy" : `x${i + 1}y${i + 1}`;
    const ticks = root.querySelectorAll(`g.subplot.${name} .yaxislayer-above text`);
    return [title, [...ticks].map(t => t.textContent)];
  });
}"""
DRAWN = (
    "() => [...document.querySelectorAll('.chart-area')].every(a => a.querySelector('.main-svg'))"
)
LEGEND_AND_TITLE = """id => {
  const root = document.getElementById(id);
  const box = s => root.querySelector(s).getBoundingClientRect();
  return {title: box(".g-gtitle").bottom, legend: box(".legend").top};
}"""


@pytest.fixture
def compare_page(app, live_server, new_context):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    answer_waves(app, "Aalborg", ["1", "2", "3", "4", "5", "ved_ikke", "2"], list("123455"))
    answer_waves(app, "Thisted", ["1", "2", "3", "4", "5", "ved_ikke"], list("12345"))
    answer_waves(app, "Læsø", ["5", "5"], ["5", "5"])
    add_user(app, EVALUATOR, "evaluator")
    page = axe_page(new_context, viewport={"width": 1280, "height": 900})
    page.context.set_default_timeout(30_000)  # plotly.js is large; shared test machines are slow
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill(EVALUATOR)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(live_server + "/dashboard/")
    page.goto(live_server + COMPARE)
    page.wait_for_function(DRAWN, timeout=15_000)
    return page


def chart_n(label: str) -> str:
    """'runde-a (n=7; ved ikke 1)' -> '7'; a hidden row gives its reason."""
    match = re.search(r"\(n=(\d+)", label)
    return match.group(1) if match else re.search(r"\(([^)]*)\)$", label).group(1)


def test_charts_show_every_group_with_the_tables_n(compare_page, check_axe):  # noqa: F811
    page = compare_page
    table = page.evaluate(TABLE_ROWS, f"Antal svar pr. svarmulighed: {ITEM}")
    assert table == {
        "Alle kommuner/A": "Skjult, så små grupper ikke kan regnes ud",
        "Alle kommuner/B": "Skjult, så små grupper ikke kan regnes ud",
        "Aalborg/A": "6",
        "Aalborg/B": "6",
        "Læsø/A": "Færre end 5 svar",
        "Læsø/B": "Færre end 5 svar",
        "Thisted/A": "5",
        "Thisted/B": "5",
    }
    seen = {}
    for title, ticks in page.evaluate(CHART_ROWS, f"fig-groups-{ITEM}"):
        for label in ticks:
            wave = "A" if label.startswith("runde-a") else "B"
            seen[f"{title}/{wave}"] = chart_n(label)
    [(_, overview)] = page.evaluate(CHART_ROWS, f"fig-all-{ITEM}")
    for label in overview:
        seen["Alle kommuner/" + ("A" if "runde-a" in label else "B")] = chart_n(label)
    expected = {
        key: value if value.isdigit() else value.lower().replace(
            "skjult, så små grupper ikke kan regnes ud", "skjult"
        )
        for key, value in table.items()
    }  # fmt: skip
    assert seen == expected

    # bars are drawn for the shown groups (the demo page drew none for Aalborg)
    assert page.locator(f"#fig-groups-{ITEM} g.subplot.xy .bars path").count() >= 5
    for figure in (f"fig-all-{ITEM}", f"fig-groups-{ITEM}"):
        box = page.evaluate(LEGEND_AND_TITLE, figure)
        assert box["legend"] > box["title"], box
    check_axe(page, "the wave comparison")


TEXT_COLOURS = """id => {
  const root = document.getElementById(id);
  const fill = s => getComputedStyle(root.querySelector(s)).fill;
  return [fill("g.annotation text"), fill(".xtick text"), fill(".legendtext")];
}"""


def test_charts_are_drawn_with_plotlys_default_template(compare_page):
    # The figures leave the template out; the page carries it once and charts.js hands it
    # on, so their text keeps the template's dark blue (#2a3f5f), not plotly.js's own #444.
    colours = compare_page.evaluate(TEXT_COLOURS, f"fig-groups-{ITEM}")
    assert colours == ["rgb(42, 63, 95)"] * 3
