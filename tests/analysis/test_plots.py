"""Figures: build without network, Danish labels, colour-blind-safe colours, n shown.

The figures are plain plotly figure dictionaries; plotly itself validates them here
(``go.Figure(spec)`` raises on any unknown property or bad value), and they equal, after
plotly's own normalisation, the figures built the slow way with graph objects and
``make_subplots`` (the reference construction below, kept only in this test module)."""

from __future__ import annotations

import html
import json
import math
import re

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

from analysis import plots
from analysis.counts import CountTable
from analysis.distributions import describe_counts
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
    occasion_lines,
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
    assert isinstance(fig, dict) and valid(fig)
    data = fig["data"]
    assert [t["name"] for t in data] == [
        "Slet ikke", "I mindre grad", "Hverken eller", "I nogen grad", "I høj grad",
    ]  # fmt: skip
    labels = data[0]["y"]
    assert labels[0] == "alle · jan-2019 (n=5; ved ikke 1)"
    assert labels[1] == "alle · sommer-2020 (n=7)"
    assert "Furesø · sommer-2020 (n=4)" in labels
    assert len(labels) == 8  # 4 groups x 2 waves, side by side
    # 'Slet ikke' (2 of 4 in Aalborg jan-2019) sits left of zero, 'I høj grad' right of it
    aalborg = labels.index("Aalborg · jan-2019 (n=4; ved ikke 1)")
    assert data[0]["base"][aalborg] == pytest.approx(-50) and data[0]["x"][aalborg] == 50
    assert data[4]["base"][aalborg] == pytest.approx(0) and data[4]["x"][aalborg] == 50
    # the middle option is split across zero
    thisted = labels.index("Thisted · jan-2019 (n=1)")
    assert data[2]["base"][thisted] == pytest.approx(-50)
    assert fig["layout"]["xaxis"]["title"]["text"] == "Andel af svarene (%)"
    assert data[0]["marker"]["color"] == ORANGE_DARK and data[4]["marker"]["color"] == BLUE_DARK


def test_negative_polarity_reverses_colours(table):
    fig = item_figure(table, definitions()[1], "belastning", A, B)
    assert fig["data"][0]["marker"]["color"] == BLUE_DARK  # "Slet ikke" belastende is good


def test_yes_no_and_nominal_figures(table):
    definition = definitions()[1]
    yes_no = item_figure(table, definition, "tilsyn", A, B, ["alle", "Aalborg"])
    nej, ja = yes_no["data"]
    assert (nej["name"], ja["name"]) == ("Nej", "Ja")
    assert ja["marker"]["color"] == BLUE_DARK and ja["base"][0] == 0 and ja["x"][0] == 100
    assert nej["base"][3] == -100 and nej["x"][3] == 100  # Aalborg, summer: one "Nej" of one
    nominal = item_figure(table, definition, "sagstype", A, B)
    assert nominal["layout"]["xaxis"]["range"] == [0, 100]
    assert len({t["marker"]["color"] for t in nominal["data"]}) == 3


def test_small_multiples_one_panel_per_municipality(table):
    fig = small_multiples_figure(table, definitions()[1], "forenklet", A, B)
    assert valid(fig)
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["Aalborg", "Furesø", "Thisted"]
    first_panel = [t for t in fig["data"] if t["xaxis"] == "x"]
    assert first_panel[0]["y"] == ["jan-2019 (n=4)", "sommer-2020 (n=3)"]
    assert sum(t["showlegend"] for t in fig["data"]) == 5  # legend once


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
    assert valid(fig)
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["alle", "Allerød", "Furesø"]
    names = [t["name"] for t in fig["data"] if t["showlegend"]]
    assert names == ["Hverdagen", "Tro på egne evner", "Én plan"]
    furesoe = next(t for t in fig["data"] if t["name"] == "Hverdagen" and t["xaxis"] == "x3")
    assert furesoe["x"] == [1, 2, 3]
    assert furesoe["y"][0] == pytest.approx(((1 + 1 + 5) / 3 + (2 + 2 + 4) / 3) / 2)
    assert all(v > 0 for v in furesoe["error_y"]["array"])  # intervals shown
    trajectory = [
        ScoredOccasion(1, "2019-01-01T09:00:00Z", "r1", "Furesø", {"domain:hverdag": 2.0}),
        ScoredOccasion(2, "2019-03-01T09:00:00Z", "r2", "Furesø", {"domain:hverdag": 3.5}),
    ]
    mine = citizen_trajectory_figure(trajectory, definition)
    assert valid(mine)
    assert mine["data"][0]["name"] == "Hverdagen" and mine["data"][0]["y"] == [2.0, 3.5]
    assert mine["data"][0]["x"][0].startswith("1. gang")
    assert mine["layout"]["title"]["text"] == "Dine svar over tid"


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


def valid(spec: dict) -> bool:
    """plotly accepts every property of the figure dictionary (it raises otherwise)."""
    go.Figure(spec)
    return True


def normalised(figure) -> dict:
    """A figure (dictionary or graph object) as plotly writes it: validated, default
    template applied, JSON types, and without empty objects (graph objects write
    ``"title": {}`` for ``title=None``, which sets nothing)."""
    return _without_empty(json.loads(pio.to_json(figure, validate=True)))


def _without_empty(value):
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


# The reference: the figures as the dashboards built them with graph objects, validated on
# every assignment, and make_subplots for the grid. Only the bar offsets, labels, colours and
# title texts come from the module under test; their values are checked by the tests above.


def reference_x_axis(item):
    if item.scale_type == "nominal":
        return {"range": [0, 100], "title": "Andel af svarene (%)"}
    return {
        "range": [-100, 100],
        "tickvals": [-100, -50, 0, 50, 100],
        "ticktext": ["100", "50", "0", "50", "100"],
        "title": "Andel af svarene (%)",
        "zeroline": True,
        "zerolinecolor": "#444",
    }


def reference_bars(fig, item, dists, labels, show_legend, **where):
    colours = plots._option_colours(item)
    spans = [plots._offsets(item, d.shares or [0.0] * item.n_options) for d in dists]
    for code, label in enumerate(item.labels, start=1):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[s[code - 1][1] for s in spans],
                base=[s[code - 1][0] for s in spans],
                orientation="h",
                name=label,
                legendgroup=str(code),
                showlegend=show_legend,
                marker={"color": colours[code - 1], "line": {"color": "white", "width": 1}},
                customdata=[[d.counts[code - 1], d.n] for d in dists],
                hovertemplate=(
                    f"{html.escape(label)}: %{{x:.0f}} pct. "
                    "(%{customdata[0]} af %{customdata[1]})<extra>%{y}</extra>"
                ),
            ),
            **where,
        )


def reference_waves(table, definition, item_key, waves, groups, hidden):
    item = definition.item(item_key)
    dists, labels = [], []
    for group in groups:
        for wave in waves:
            d = describe_counts(item, table.get(item.key, group, wave, item.n_options), group, wave)
            dists.append(d)
            labels.append(plots._row_label(d, True, hidden.get((group, wave))))
    fig = go.Figure()
    reference_bars(fig, item, dists, labels, show_legend=True)
    fig.update_layout(
        title=plots._title(item.text),
        barmode="overlay",
        font=plots.FONT,
        height=plots._title_room(item.text) + 34 * len(labels) + 30 + plots.LEGEND_ROOM,
        yaxis={"autorange": "reversed", "title": ""},
        xaxis=reference_x_axis(item),
        legend=plots._legend_below(34 * len(labels) + 30, 60),
        margin={"l": 260, "r": 30, "t": plots._title_room(item.text), "b": plots.LEGEND_ROOM},
        plot_bgcolor="white",
    )
    return fig


def reference_small_multiples(table, definition, item_key, wave_a, wave_b, groups, hidden):
    item = definition.item(item_key)
    columns = 2
    rows = math.ceil(len(groups) / columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=groups,
        vertical_spacing=min(0.16, 0.8 / max(rows, 1)),
        horizontal_spacing=0.22,
    )
    for i, group in enumerate(groups):
        dists = [
            describe_counts(item, table.get(item.key, group, w, item.n_options), group, w)
            for w in (wave_a, wave_b)
        ]
        labels = [plots._row_label(d, False, hidden.get((group, d.wave))) for d in dists]
        reference_bars(fig, item, dists, labels, i == 0, row=i // columns + 1, col=i % columns + 1)
    fig.update_layout(
        title=plots._title(item.text),
        barmode="overlay",
        font={**plots.FONT, "size": 12},
        height=plots._title_room(item.text) + 170 * rows + plots.LEGEND_ROOM,
        legend=plots._legend_below(170 * rows, 30),
        plot_bgcolor="white",
        margin={"t": plots._title_room(item.text), "l": 130, "b": plots.LEGEND_ROOM},
    )
    fig.update_xaxes(**{k: v for k, v in reference_x_axis(item).items() if k != "title"})
    fig.update_xaxes(tickfont={"size": 10})
    fig.update_yaxes(autorange="reversed")
    return fig


def reference_progression(counts, definition, groups, columns=3):
    rows = math.ceil(len(groups) / columns) if groups else 1
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=groups,
        vertical_spacing=min(0.3, 130 / (280 * rows)),
    )
    for i, group in enumerate(groups):
        for j, measure in enumerate(plots._plotted_measures(definition)):
            line = occasion_lines(counts, measure, group)
            colour = plots.OKABE_ITO[j % len(plots.OKABE_ITO)]
            fig.add_trace(
                go.Scatter(
                    x=[k for k, _ in line],
                    y=[m.mean for _, m in line],
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [(m.high - m.mean) if m.high is not None else 0 for _, m in line],
                        "arrayminus": [
                            (m.mean - m.low) if m.low is not None else 0 for _, m in line
                        ],
                        "color": colour,
                    },
                    customdata=[[m.n] for _, m in line],
                    mode="lines+markers",
                    name=plots._measure_label(definition, measure),
                    legendgroup=measure,
                    showlegend=i == 0,
                    line={"color": colour, "dash": ("solid", "dash", "dot", "dashdot")[j % 4]},
                    hovertemplate="%{x}. gang: %{y:.2f} (n=%{customdata[0]})<extra></extra>",
                ),
                row=i // columns + 1,
                col=i % columns + 1,
            )
    fig.update_layout(
        title=f"{definition.title}: gennemsnitlig score efter gang (95 % interval)",
        font=plots.FONT,
        height=220 + 280 * rows,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.3 / rows, "yanchor": "top"},
        margin={"b": 110},
    )
    top = max((i.n_options for i in definition.items if i.scale_type == "ordinal"), default=5)
    fig.update_xaxes(title_text="Gang", dtick=1, gridcolor="#eee")
    fig.update_yaxes(title_text="Score", gridcolor="#eee", range=[0.5, top + 0.5], dtick=1)
    return fig


def reference_trajectory(trajectory, definition, occasion_labels, title):
    fig = go.Figure()
    x = list(occasion_labels or [f"{o.number}. gang<br>{o.answered_at[:10]}" for o in trajectory])
    for j, measure in enumerate(plots._plotted_measures(definition)):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[o.scores.get(measure) for o in trajectory],
                mode="lines+markers",
                name=plots._measure_label(definition, measure),
                line={
                    "color": plots.OKABE_ITO[j % len(plots.OKABE_ITO)],
                    "width": 3,
                    "dash": ("solid", "dash", "dot", "dashdot")[j % 4],
                },
                marker={
                    "size": 11,
                    "symbol": ("circle", "square", "diamond", "triangle-up")[j % 4],
                },
                connectgaps=True,
                hovertemplate="%{y:.1f}<extra>%{fullData.name}</extra>",
            )
        )
    top = max((i.n_options for i in definition.items if i.scale_type == "ordinal"), default=5)
    if len(trajectory) == 1:
        fig.update_layout(scattermode="group", scattergap=0.5)
    fig.update_layout(
        title=title,
        font={**plots.FONT, "size": 16},
        yaxis={"title": "Score (højere er bedre)", "range": [0.8, top + 0.2], "dtick": 1},
        xaxis={"title": ""},
        plot_bgcolor="white",
        height=520,
        margin={"b": 170},
        legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
    )
    return fig


MUNICIPALITIES = ["Aalborg", "Allerød", "Furesø", "Læsø", "Thisted"]


@pytest.fixture
def wide_table():
    """Five municipalities in both waves: every option, "ved ikke", skipped and "ikke
    relevant" answers, and Læsø with a single answer in the first wave."""
    records = []
    for g, group in enumerate(MUNICIPALITIES):
        for w, wave in enumerate((A, B)):
            for item, n_options in [
                ("forenklet", 5), ("brug", 4), ("tilsyn", 2), ("sagstype", 3), ("belastning", 5),
            ]:  # fmt: skip
                if group == "Læsø" and wave == A:
                    records.append((item, group, wave, 1, None, 1))
                    continue
                for code in range(1, n_options + 1):
                    records.append((item, group, wave, code, None, 1 + (g * 3 + w + code) % 7))
                records.append((item, group, wave, None, "ved_ikke", g + w))
                records.append((item, group, wave, None, "ubesvaret", (g + 2 * w) % 3))
                records.append((item, group, wave, None, "ikke_relevant", w))
    return CountTable.from_records(records).with_total()


HIDDEN = {("Læsø", A): "skjult", ("Furesø", B): "skjult"}


@pytest.mark.parametrize("item_key", ["forenklet", "brug", "tilsyn", "sagstype", "belastning"])
@pytest.mark.parametrize(
    "groups", [MUNICIPALITIES, MUNICIPALITIES[:4], MUNICIPALITIES[:1]], ids=["5", "4", "1"]
)
def test_bar_figures_equal_the_graph_object_construction(wide_table, item_key, groups):
    definition = definitions()[1]
    spec = item_figure(wide_table, definition, item_key, A, B, ["alle", *groups], HIDDEN)
    assert valid(spec)
    reference = reference_waves(wide_table, definition, item_key, [A, B], ["alle", *groups], HIDDEN)
    assert normalised(spec) == normalised(reference)
    labels = spec["data"][0]["y"]
    assert any("ved ikke" in label and "ubesvaret" in label for label in labels)
    if "Læsø" in groups:
        assert "Læsø · jan-2019 (skjult)" in labels
    multiples = small_multiples_figure(wide_table, definition, item_key, A, B, groups, HIDDEN)
    assert valid(multiples)
    reference = reference_small_multiples(wide_table, definition, item_key, A, B, groups, HIDDEN)
    assert normalised(multiples) == normalised(reference)


def test_subplot_domains_are_those_of_make_subplots():
    for rows, columns, spacing in [(1, 2, 0.16), (3, 2, 0.16), (7, 3, 130 / 1960), (10, 2, 0.08)]:
        titles = [f"g{i}" for i in range(rows * columns - 1)]  # the last cell without a title
        mine = plots._subplot_grid(rows, columns, titles, spacing, 0.22 if columns == 2 else None)
        theirs = make_subplots(
            rows=rows,
            cols=columns,
            subplot_titles=titles,
            vertical_spacing=spacing,
            **({"horizontal_spacing": 0.22} if columns == 2 else {}),
        ).to_plotly_json()["layout"]
        theirs.pop("template")
        assert json.loads(json.dumps(mine)) == json.loads(pio.to_json(theirs, validate=False))


@pytest.mark.parametrize("municipalities", [True, False])
def test_progression_figure_equals_the_graph_object_construction(tmp_path, municipalities):
    definition = definitions("forloeb")[1]
    rows = citizens_rows()
    for k in range(1, 4):  # a fourth municipality with one citizen: means without intervals
        rows += [
            answer(item, k, "", "Thisted", questionnaire="forloeb", response_id=f"t-{k}",
                   respondent_key="t", answered_at=f"2019-0{k}-02T09:00:00Z")
            for item in ["klarer_hverdag", "overskud", "bekymret", "tror_paa_mig", "en_plan"]
        ]  # fmt: skip
    citizens = citizen_occasions(read_export(write_export(tmp_path / "e.csv", rows)))
    counts = progression_counts_from_occasions(citizens, definition, by_municipality=municipalities)
    groups = counts.groups()
    assert len(groups) == (4 if municipalities else 1)
    spec = progression_figure(counts, definition)
    assert valid(spec)
    assert normalised(spec) == normalised(reference_progression(counts, definition, groups))
    arrays = [v for t in spec["data"] for v in t["error_y"]["array"]]
    assert any(v > 0 for v in arrays) and (not municipalities or 0 in arrays)


@pytest.mark.parametrize("occasions", [1, 3])
@pytest.mark.parametrize("title", ["Dine svar over tid", None])
def test_citizen_figure_equals_the_graph_object_construction(occasions, title):
    definition = definitions("forloeb")[1]
    trajectory = [
        ScoredOccasion(
            k,
            f"2019-0{k}-01T09:00:00Z",
            f"r{k}",
            "Furesø",
            {"domain:hverdag": 1.5 + k, "domain:plan": 3.0} if k != 2 else {"domain:tro": 2.0},
        )
        for k in range(1, occasions + 1)
    ]
    labels = [f"{k}. gang" for k in range(1, occasions + 1)] if title else None
    spec = citizen_trajectory_figure(trajectory, definition, labels, title)
    assert valid(spec)
    reference = reference_trajectory(trajectory, definition, labels, title)
    assert normalised(spec) == normalised(reference)


def test_page_template_is_plotlys_default():
    assert plots.page_template() == normalised(go.Figure())["layout"]["template"]
