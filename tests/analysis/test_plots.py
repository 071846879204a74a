"""Figures: build without network, Danish labels, colour-blind-safe colours, n shown."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest

from analysis.counts import CountTable
from analysis.plots import (
    BLUE_DARK,
    ORANGE_DARK,
    citizen_trajectory_figure,
    diverging_colours,
    item_figure,
    page_html,
    progression_figure,
    small_multiples_figure,
    write_html,
)
from analysis.progression import (
    ScoredOccasion,
    citizen_occasions,
    progression_counts_from_occasions,
)
from analysis.reading import read_export
from tests.analysis.helpers import answer, definitions, write_export

A, B = "jan-2019", "sommer-2020"


@pytest.fixture
def table():
    records = [
        ("forenklet", "Aalborg", A, 1, None, 2),
        ("forenklet", "Aalborg", A, 5, None, 2),
        ("forenklet", "Aalborg", A, None, "ved_ikke", 1),
        ("forenklet", "Aalborg", B, 4, None, 3),
        ("forenklet", "Thisted", A, 3, None, 1),
        ("forenklet", "Furesø", B, 2, None, 4),
        ("tilsyn", "Aalborg", A, 2, None, 3),
        ("tilsyn", "Aalborg", B, 1, None, 1),
        ("sagstype", "Aalborg", A, 2, None, 1),
    ]
    return CountTable.from_records(records).with_total()


def test_diverging_palette_is_blue_orange():
    assert diverging_colours(5) == ["#e66101", "#fdb863", "#d9d9d9", "#92c5de", "#0571b0"]
    assert diverging_colours(4) == ["#e66101", "#fdb863", "#92c5de", "#0571b0"]
    assert diverging_colours(2, reverse=True) == [BLUE_DARK, ORANGE_DARK]
    assert len(set(diverging_colours(7))) == 7


def test_item_figure_diverges_shows_n_and_danish_labels(table):
    definition = definitions()[1]
    fig = item_figure(table, definition, "forenklet", A, B)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [
        "Slet ikke", "I mindre grad", "Hverken eller", "I nogen grad", "I høj grad",
    ]  # fmt: skip
    labels = list(fig.data[0].y)
    assert labels[0] == "alle · jan-2019 (n=5; ved ikke 1)"
    assert labels[1] == "alle · sommer-2020 (n=7)"
    assert "Furesø · sommer-2020 (n=4)" in labels
    assert len(labels) == 8  # 4 groups x 2 waves, side by side
    # 'Slet ikke' (2 of 4 in Aalborg jan-2019) sits left of zero, 'I høj grad' right of it
    aalborg = labels.index("Aalborg · jan-2019 (n=4; ved ikke 1)")
    assert fig.data[0].base[aalborg] == pytest.approx(-50) and fig.data[0].x[aalborg] == 50
    assert fig.data[4].base[aalborg] == pytest.approx(0) and fig.data[4].x[aalborg] == 50
    # the middle option is split across zero
    thisted = labels.index("Thisted · jan-2019 (n=1)")
    assert fig.data[2].base[thisted] == pytest.approx(-50)
    assert fig.layout.xaxis.title.text == "Andel af svarene (%)"
    assert fig.data[0].marker.color == ORANGE_DARK and fig.data[4].marker.color == BLUE_DARK


def test_negative_polarity_reverses_colours(table):
    fig = item_figure(table, definitions()[1], "belastning", A, B)
    assert fig.data[0].marker.color == BLUE_DARK  # "Slet ikke" belastende is good


def test_yes_no_and_nominal_figures(table):
    definition = definitions()[1]
    yes_no = item_figure(table, definition, "tilsyn", A, B, ["alle", "Aalborg"])
    nej, ja = yes_no.data
    assert (nej.name, ja.name) == ("Nej", "Ja")
    assert ja.marker.color == BLUE_DARK and ja.base[0] == 0 and ja.x[0] == 100
    assert nej.base[3] == -100 and nej.x[3] == 100  # Aalborg, summer: one "Nej" of one
    nominal = item_figure(table, definition, "sagstype", A, B)
    assert nominal.layout.xaxis.range == (0, 100)
    assert len({t.marker.color for t in nominal.data}) == 3


def test_small_multiples_one_panel_per_municipality(table):
    fig = small_multiples_figure(table, definitions()[1], "forenklet", A, B)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Aalborg", "Furesø", "Thisted"]
    first_panel = [t for t in fig.data if t.xaxis == "x"]
    assert list(first_panel[0].y) == ["jan-2019 (n=4)", "sommer-2020 (n=3)"]
    assert sum(t.showlegend for t in fig.data) == 5  # legend once


def citizens_rows():
    rows = []
    for c, municipality in enumerate(["Furesø", "Furesø", "Allerød"]):
        for k in range(1, 4):
            for item in ["klarer_hverdag", "overskud", "bekymret", "tror_paa_mig", "en_plan"]:
                rows.append(
                    answer(item, min(5, c + k), "", municipality, questionnaire="forloeb",
                           response_id=f"b{c}-{k}", respondent_key=f"b{c}",
                           answered_at=f"2019-0{k}-01T09:00:00Z")
                )  # fmt: skip
    return rows


def test_progression_and_citizen_figures(tmp_path):
    definition = definitions("forloeb")[1]
    citizens = citizen_occasions(read_export(write_export(tmp_path / "e.csv", citizens_rows())))
    counts = progression_counts_from_occasions(citizens, definition, by_municipality=True)
    fig = progression_figure(counts, definition)
    assert [a.text for a in fig.layout.annotations] == ["alle", "Allerød", "Furesø"]
    names = [t.name for t in fig.data if t.showlegend]
    assert names == ["Hverdagen", "Tro på egne evner", "Én plan"]
    furesoe = next(t for t in fig.data if t.name == "Hverdagen" and t.xaxis == "x3")
    assert list(furesoe.x) == [1, 2, 3]
    assert furesoe.y[0] == pytest.approx(((1 + 1 + 5) / 3 + (2 + 2 + 4) / 3) / 2)
    assert all(v > 0 for v in furesoe.error_y.array)  # intervals shown
    trajectory = [
        ScoredOccasion(1, "2019-01-01T09:00:00Z", "r1", "Furesø", {"domain:hverdag": 2.0}),
        ScoredOccasion(2, "2019-03-01T09:00:00Z", "r2", "Furesø", {"domain:hverdag": 3.5}),
    ]
    mine = citizen_trajectory_figure(trajectory, definition)
    assert mine.data[0].name == "Hverdagen" and list(mine.data[0].y) == [2.0, 3.5]
    assert mine.data[0].x[0].startswith("1. gang")
    assert mine.layout.title.text == "Dine svar over tid"


def test_html_is_self_contained_and_danish(tmp_path, table):
    definition = definitions()[1]
    figures = [item_figure(table, definition, "forenklet", A, B)] * 2
    path = write_html(tmp_path / "side.html", figures, "Prøveskema: jan-2019 og sommer-2020")
    text = path.read_text(encoding="utf-8")
    assert '<html lang="da">' in text and "Prøveskema" in text
    assert not re.search(r"<script[^>]+src=", text)  # nothing fetched from a CDN
    assert 'src="https://cdn.plot.ly' not in text
    assert text.count("Plotly.newPlot") == 2
    assert len(text) > 3_000_000  # plotly.js itself is embedded
    assert page_html(figures[:1], "x").count("<section>") == 1
