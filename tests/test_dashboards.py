"""Wave comparison and progression pages: content, suppression at the threshold, scope."""

from __future__ import annotations

import re

import pytest

from analysis.counts import CountTable
from survey_app.cli import main
from survey_app.dashboards.suppression import group_n, shown, suppressed_table
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
            submit(app, token, value)


@pytest.fixture
def two_waves(app):
    open_wave(app, key="runde-a")
    open_wave(app, key="runde-b")
    return app


def statistics_row(html: str, group: str) -> str:
    match = re.search(rf'<th scope="row">{group}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {group}"
    return match.group(1)


@pytest.mark.parametrize(("n", "hidden"), [(4, True), (5, False), (6, False)])
def test_group_is_suppressed_below_the_threshold(two_waves, n, hidden):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * n, ["5"] * n)
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    row = statistics_row(page, "Aalborg")
    assert ("&lt;5" in row) is hidden
    assert ("vises ikke" in row) is hidden
    if not hidden:
        assert f'<td class="num">{n}</td>' in row
        assert "Sikker forskel" in row or "Ingen sikker forskel" in row
    # The figure of municipalities leaves the group out below the threshold.
    figures = re.findall(r'class="plotly-figure" data-target="fig-groups-[a-z_]+"', page)
    assert bool(figures) is not hidden


def test_small_option_counts_inside_a_large_group_show_as_less_than_five(two_waves):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 6 + ["2"] * 4, ["5"] * 10)
    page = signed_in_client(app, "evaluator").get(COMPARE).text
    caption = r"<caption>Antal svar pr\. svarmulighed: forenklet_sagsbehandling(.*?)</table>"
    counts = re.search(caption, page, re.S).group(1)
    aalborg_a = re.search(
        r'<th scope="row" rowspan="2">Aalborg</th><td>A</td>(.*?)</tr>', counts, re.S
    )
    cells = re.findall(r'<td class="num">([^<]*)</td>', aalborg_a.group(1))
    assert cells[:5] == ["6", "&lt;5", "0", "0", "0"]


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
    assert "Alle kommuner" not in page
    evaluator = signed_in_client(app, "evaluator").get(COMPARE).text
    assert "Thisted" in evaluator and "Alle kommuner" in evaluator


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


def table_of(cells):
    table = CountTable()
    for group, wave, value, count in cells:
        table.add("q", group, wave, value, "", count)
    return table


def test_shown_hides_one_to_threshold_minus_one():
    assert [shown(c, 5) for c in (0, 1, 4, 5, 6, None)] == ["0", "<5", "<5", "5", "6", "–"]


def test_suppressed_table_drops_small_groups_and_small_cells():
    table = table_of(
        [("A", "x", 1, 3), ("A", "x", 2, 3), ("A", "y", 1, 6),
         ("B", "x", 1, 4), ("B", "y", 1, 9)]
    )  # fmt: skip
    assert group_n(table, "A", "x") == 6 and group_n(table, "B", "x") == 4
    kept, dropped = suppressed_table(table, 5, ["x", "y"])
    assert dropped == {"B"}
    assert sorted(kept.records()) == [("q", "A", "y", 1, "", 6)]


def test_counts_csv_leaves_out_small_groups_and_cells(two_waves):
    app = two_waves
    answer_waves(app, "Aalborg", ["1"] * 6 + ["2"] * 4, ["5"] * 10)
    answer_waves(app, "Thisted", ["1"] * 3, ["5"] * 3)
    reply = signed_in_client(app, "evaluator").get(COMPARE + "/counts.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    lines = reply.text.strip().splitlines()
    assert lines[0] == "item,group,wave,value,missing,count"
    assert "forenklet_sagsbehandling,Aalborg,runde-a,1,,6" in lines
    assert not [line for line in lines if ",Thisted," in line]  # 3 respondents: left out
    assert not [line for line in lines if line.endswith((",1", ",2", ",3", ",4"))]
    assert "forenklet_sagsbehandling,alle,runde-a,1,,9" in lines
