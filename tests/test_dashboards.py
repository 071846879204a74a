"""Wave comparison and progression pages: content, suppression at the threshold, scope."""

from __future__ import annotations

import json
import re

import pytest

from survey_app.cli import main
from tests.conftest import csrf_token_from, invite, open_wave, signed_in_client

COMPARE = "/dashboard/compare/ledighedsydelse/runde-a/runde-b"


def submit(app, token, first, second="2"):
    client = app.test_client()
    csrf = csrf_token_from(client.get(f"/s/{token}").text)
    reply = client.post(
        f"/s/{token}",
        data={
            "item-forenklet_sagsbehandling": first,
            "item-kvalitet_revurdering": second,
            "action": "submit",
            "csrf_token": csrf,
        },
    )
    assert reply.status_code == 303


def answer_waves(app, municipality, answers_a, answers_b):
    for wave, answers in (("runde-a", answers_a), ("runde-b", answers_b)):
        for token, value in zip(
            invite(app, wave=wave, municipality=municipality, count=len(answers)),
            answers,
            strict=True,
        ):
            submit(app, token, *(value if isinstance(value, tuple) else (value,)))


@pytest.fixture
def two_waves(app):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    return app


def statistics_row(html: str, group: str) -> str:
    match = re.search(rf'<th scope="row">{group}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {group}"
    return match.group(1)


def bar_labels(html: str, target: str) -> set[str]:
    """The row labels of the bars of one figure on the page."""
    pattern = rf'class="plotly-figure" data-target="{target}">(.*?)</script>'
    figure = json.loads(re.search(pattern, html, re.S).group(1))
    return {label for trace in figure["data"] for label in trace["y"]}


def counts_rows(html: str, item: str = "forenklet_sagsbehandling") -> dict[tuple[str, str], list]:
    """The counts table of an item as {(group, wave): cells}; a hidden row is its text."""
    caption = rf"<caption>Antal svar pr\. svarmulighed: {item}(.*?)</table>"
    body = re.search(caption, html, re.S).group(1)
    rows, group = {}, None
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:
        head = re.search(r'<th scope="row" rowspan="2">([^<]*)</th>', row)
        group = head.group(1) if head else group
        wave = re.search(r"<td>([AB])</td>", row).group(1)
        hidden = re.search(r'class="hidden-group">([^<]*)</td>', row)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        rows[(group, wave)] = hidden.group(1) if hidden else cells
    return rows


@pytest.mark.parametrize(("n", "hidden"), [(4, True), (5, False), (6, False)])
def test_group_is_suppressed_below_the_threshold(two_waves, n, hidden):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * n, ["5"] * n)
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    row = statistics_row(page, "Aalborg")
    assert ("Færre end 5 svar" in row) is hidden
    assert ("Vises ikke" in row) is hidden
    if not hidden:
        assert f'<td class="num">{n}</td>' in row
        assert "Sikker forskel" in row or "Ingen sikker forskel" in row
    else:  # nothing of the group, and no total it could be worked out from
        assert counts_rows(page)[("Aalborg", "A")] == "Færre end 5 svar"
        assert counts_rows(page)[("Alle kommuner", "A")].startswith("Skjult")
    # The figure of municipalities keeps the group, labelled instead of drawn when hidden.
    labels = bar_labels(page, "fig-groups-forenklet_sagsbehandling")
    assert labels == (
        {"runde-a (færre end 5 svar)", "runde-b (færre end 5 svar)"}
        if hidden
        else {f"runde-a (n={n})", f"runde-b (n={n})"}
    )


def test_a_shown_group_shows_its_whole_distribution(two_waves):
    """Before, option cells under 5 inside a shown group showed as "<5", which the group's
    n gave away (mentor "Alle kommuner A": n=39 beside 5+18+12+<5)."""
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 6 + ["2"] * 4, ["5"] * 10)
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    assert "&lt;5" not in page
    rows = counts_rows(page)
    # five options, then n, "ved ikke", "ubesvaret"
    assert rows[("Aalborg", "A")] == ["6", "4", "0", "0", "0", "10", "0", "0"]
    assert rows[("Alle kommuner", "A")] == ["6", "4", "0", "0", "0", "10", "0", "0"]


def test_a_hidden_municipality_cannot_be_worked_out_from_the_total(two_waves):
    """Before: "alle" n=8 minus Aalborg's 6 gave Læsø's 2, and Læsø's option row read
    0 | 0 | 0 | 0 | <5, so both Læsø caseworkers answered "I høj grad"."""
    app = two_waves
    answer_waves(app, "Aalborg", ["1", "2", "3", "4", "2", "3"], ["2", "3", "3", "4", "4", "5"])
    answer_waves(app, "Læsø", ["5", "5"], ["5", "5"])
    client = signed_in_client(app, "evaluator")
    page = client.get(COMPARE).text
    rows = counts_rows(page)
    for wave in "AB":
        assert rows[("Læsø", wave)] == "Færre end 5 svar"
        assert rows[("Alle kommuner", wave)] == "Skjult, så små grupper ikke kan regnes ud"
        assert isinstance(rows[("Aalborg", wave)], list)
    assert "Vises ikke" in statistics_row(page, "Alle kommuner")
    csv = client.get(COMPARE + "/counts.csv").text.splitlines()
    assert not [line for line in csv if ",Læsø," in line and not line.endswith("færre end 5 svar")]
    assert not [line for line in csv if ",alle," in line and "skjult" not in line]


def test_the_next_smallest_group_is_hidden_when_that_protects_the_small_one(two_waves):
    """Three municipalities: the small one is hidden, and the next smallest with it, since
    between them every answer category of both questions occurs (so no hidden count follows
    from the total); the total and the largest stay shown."""
    app = two_waves
    thisted = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "ved_ikke"), ("ved_ikke", "1")]
    laesoe = [("1", "2"), ("2", "3"), ("3", "4")]
    answer_waves(app, "Læsø", laesoe, laesoe)
    answer_waves(app, "Thisted", thisted, thisted)
    answer_waves(app, "Aalborg", ["1", "2", "3", "4", "5"] * 2, ["4", "5"] * 5)
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    for item in ("forenklet_sagsbehandling", "kvalitet_revurdering"):
        rows = counts_rows(page, item)
        for wave in "AB":
            assert rows[("Læsø", wave)] == "Færre end 5 svar"
            assert rows[("Thisted", wave)] == "Skjult, så små grupper ikke kan regnes ud"
            assert isinstance(rows[("Aalborg", wave)], list)
            assert isinstance(rows[("Alle kommuner", wave)], list)
    assert "Sikker forskel" in statistics_row(page, "Alle kommuner") or "Ingen sikker" in (
        statistics_row(page, "Alle kommuner")
    )


def test_comparison_shows_statistics_and_a_plain_reading(two_waves):
    app = two_waves
    answer_waves(app, "Aalborg", ["1", "1", "2", "1", "2", "1"], ["5", "4", "5", "5", "4", "5"])
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    row = statistics_row(page, "Alle kommuner")
    assert "Sikker forskel: svarene i „Test runde-b“ ligger højere end i „Test runde-a“" in row
    assert "(eksakt)" in row
    assert "−1,00" in row  # Cliff's delta: every B answer is higher
    assert 'class="num">p (Mann-Whitney)</th>' in page


def test_coordinator_sees_own_municipality_and_no_other(two_waves):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 5, ["2"] * 5)
    answer_waves(app, "Thisted", ["3"] * 5, ["4"] * 5)
    coordinator = signed_in_client(app, "coordinator", ["Aalborg"])
    page = coordinator.get(COMPARE).text
    assert "Aalborg" in page and "Thisted" not in page
    assert '<th scope="row">Alle kommuner</th>' not in page
    evaluator = signed_in_client(app, "evaluator").get(COMPARE).text
    assert "Thisted" in evaluator and '<th scope="row">Alle kommuner</th>' in evaluator


def test_unknown_waves_give_404(two_waves):
    client = signed_in_client(two_waves, "evaluator")
    assert client.get("/dashboard/compare/ledighedsydelse/runde-a/findes-ikke").status_code == 404
    assert client.get("/dashboard/compare/ledighedsydelse/runde-a/runde-a").status_code == 404
    assert client.get("/dashboard/progression/ledighedsydelse").status_code == 404


def test_compare_index_lists_pairs_of_waves(app):
    page = signed_in_client(app, "evaluator").get("/dashboard/compare/").text
    assert "/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020" in page
    assert "/dashboard/compare/mentor/jan-2019/forsoegsafslutning" in page


def test_progression_page_shows_domains_and_no_citizen(app):
    assert app.test_cli_runner().invoke(main, ["demo-data", "--seed", "1"]).exit_code == 0
    evaluator = signed_in_client(app, "evaluator")
    page = evaluator.get("/dashboard/progression/en-plan").text
    for domain in ("Mit liv og mine drømme", "Min hverdag", "Tro på egne evner"):
        assert f"<td>{domain}</td>" in page
    assert "Furesø" in page and "Alle kommuner" in page
    assert "demo-" not in page  # no pseudonym of any citizen
    assert 'data-target="fig-progression"' in page
    coordinator = signed_in_client(app, "coordinator", ["Furesø"]).get(
        "/dashboard/progression/en-plan"
    )
    assert "Furesø" in coordinator.text and "Ballerup" not in coordinator.text


def test_empty_progression_says_so(app):
    page = signed_in_client(app, "evaluator").get("/dashboard/progression/en-plan").text
    assert "Færre end 5 borgere med to besvarelser – vises ikke" in page
    assert 'data-target="fig-progression"' not in page


def test_dashboard_views_are_audited(two_waves):
    from sqlmodel import select

    from survey_app.db import get_session
    from survey_app.models import AuditEvent

    signed_in_client(two_waves, "evaluator").get(COMPARE)
    with two_waves.app_context():
        actions = [e.action for e in get_session().exec(select(AuditEvent)).all()]
    assert actions == ["sign_in", "view_comparison"]


def test_counts_csv_gives_whole_groups_with_n_ved_ikke_and_ubesvaret(two_waves):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 6 + ["2"] * 3 + ["ved_ikke"], ["5"] * 10)
    answer_waves(app, "Thisted", ["1"] * 3, ["5"] * 3)
    reply = signed_in_client(app, "evaluator").get(COMPARE + "/counts.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    lines = reply.text.strip().splitlines()
    assert lines[0] == "item,group,wave,value,count,n,ved_ikke,ubesvaret,note"
    # Aalborg: every option with the same n (substantive answers) and "ved ikke" beside it
    assert "forenklet_sagsbehandling,Aalborg,runde-a,1,6,9,1,0," in lines
    assert "forenklet_sagsbehandling,Aalborg,runde-a,2,3,9,1,0," in lines
    assert "forenklet_sagsbehandling,Aalborg,runde-a,5,0,9,1,0," in lines
    # Thisted (3) is hidden, and so is the total it could be worked out from
    assert "forenklet_sagsbehandling,Thisted,runde-a,,,,,,færre end 5 svar" in lines
    assert (
        "forenklet_sagsbehandling,alle,runde-a,,,,,,skjult, så små grupper ikke kan regnes ud"
        in [line.replace('"', "") for line in lines]
    )


def progression_page_of(app, citizens):
    """The progression page's content for ``{municipality: [(first, latest), ...]}``, the
    same pair of scores in every domain."""
    from fractions import Fraction

    from analysis.progression import ProgressionCounts, add_citizen, measures
    from survey_app.dashboards.counts import analysis_definition
    from survey_app.dashboards.progression import build_progression
    from survey_app.db import get_session

    with app.app_context():
        definition = analysis_definition(get_session(), "en-plan")
    keys = measures(definition)
    counts = ProgressionCounts()
    for place, pairs in citizens.items():
        for first, latest in pairs:
            series = [{m: Fraction(first) for m in keys}, {m: Fraction(latest) for m in keys}]
            add_citizen(counts, series, ["alle", place], keys)
    groups = ["alle", *sorted(citizens)]
    return build_progression(counts, definition, groups, 5)


def test_progression_counts_of_a_shown_group_are_whole(app):
    """Before: "Alle kommuner / Min hverdag" showed Borgere 36, Forbedret 15, Uændret 17 and
    Forværret "<5", which is 36 - 15 - 17 = 4. Now a shown group shows all three."""
    pairs = [(2, 4)] * 6 + [(3, 3)] * 6 + [(4, 2)] * 4
    page = progression_page_of(app, {"Furesø": pairs})
    everyday = [r for r in page.rows if r.domain == "Min hverdag"]
    shown = {r.group: (r.result.n, r.result.improved, r.result.unchanged, r.result.worsened)
             for r in everyday if r.hidden is None}  # fmt: skip
    assert shown == {"alle": (16, 6, 6, 4), "Furesø": (16, 6, 6, 4)}


def test_progression_hides_the_total_a_small_group_could_be_worked_out_from(app):
    big = [(2, 4)] * 6 + [(3, 3)] * 6 + [(4, 2)] * 4
    page = progression_page_of(app, {"Furesø": big, "Ballerup": [(2, 4), (3, 3)]})
    hidden = {r.group: r.hidden for r in page.rows if r.domain == "Min hverdag"}
    assert hidden == {
        "alle": "Skjult, så små grupper ikke kan regnes ud",
        "Ballerup": "Færre end 5 borgere med to besvarelser – vises ikke",
        "Furesø": None,
    }
    assert page.plotted_groups == ["Furesø"]
    assert page.hidden_groups == ["alle", "Ballerup"]


def test_one_n_the_statistics_use_with_ved_ikke_and_ubesvaret_beside_it(two_waves):
    """Before, n A counted "Ved ikke" (39) while the test used the substantive answers (36)
    and the chart said a third number."""
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 6 + ["ved_ikke"] * 2, ["5"] * 5 + ["ved_ikke"])
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    cells = re.findall(r'<td class="num">([^<]*)</td>', statistics_row(page, "Aalborg"))
    assert cells[:6] == ["6", "2", "0", "5", "1", "0"]  # n, ved ikke, ubesvaret per wave
    assert counts_rows(page)[("Aalborg", "A")][-3:] == ["6", "2", "0"]
    assert bar_labels(page, "fig-groups-forenklet_sagsbehandling") == {
        "runde-a (n=6)",
        "runde-b (n=5)",
    }
    assert bar_labels(page, "fig-all-forenklet_sagsbehandling") == {
        "alle · runde-a (n=6; ved ikke 2)",
        "alle · runde-b (n=5; ved ikke 1)",
    }
