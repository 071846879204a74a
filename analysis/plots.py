"""Plotly figures with Danish labels and a colour-blind-safe palette; HTML that works offline.

- ``item_figure``: diverging stacked bars for one item, wave A and wave B side by side for
  ``alle`` and each municipality, with n (and "ved ikke"/skipped) in the labels.
- ``small_multiples_figure``: the same item as one small panel per municipality.
- ``progression_figure``: mean domain score by occasion per municipality with 95% intervals.
- ``citizen_trajectory_figure``: one citizen's own scores over their occasions.
- ``write_html``: a self-contained page with plotly.js embedded (no CDN, no network).

Each figure is a plain plotly figure dictionary (``{"data": [...], "layout": {...}}``), the
JSON plotly's graph objects would produce, built without their per-property validation (too
slow for a page built on request); ``plotly.graph_objects.Figure(spec)`` gives the object
where one is needed. The default template is left out: ``page_template`` gives it once per page.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from analysis.counts import CountTable
from analysis.definitions import ItemDef, QuestionnaireDef
from analysis.distributions import Distribution, describe_counts
from analysis.progression import (
    DOMAIN_PREFIX,
    ProgressionCounts,
    ScoredOccasion,
    measures,
    occasion_lines,
)

# Blue-orange diverging colours (ColorBrewer PuOr/RdBu family ends; safe for the common
# colour-vision deficiencies) and a grey middle; Okabe-Ito colours for categories and lines.
ORANGE_DARK, ORANGE_LIGHT, NEUTRAL, BLUE_LIGHT, BLUE_DARK = (
    "#e66101",
    "#fdb863",
    "#d9d9d9",
    "#92c5de",
    "#0571b0",
)
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14}
LEGEND_ROOM = 120  # px under the plot for the x axis and a legend of up to three lines


def _legend_below(plot_height: int, offset: int) -> dict:
    """A horizontal legend ``offset`` px under the plot area, in the bottom margin: however
    its entries wrap, it never reaches the title at the top."""
    return {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": -offset / plot_height,
        "yanchor": "top",
        "traceorder": "normal",
    }


def _mix(c1: str, c2: str, t: float) -> str:
    a = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(c2[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def diverging_colours(k: int, reverse: bool = False) -> list[str]:
    """k colours from dark orange (first option) through grey (middle, odd k) to dark blue."""
    if k == 1:
        return [NEUTRAL]
    half = k // 2
    orange = [
        _mix(ORANGE_DARK, ORANGE_LIGHT, i / (half - 1)) if half > 1 else ORANGE_DARK
        for i in range(half)
    ]
    blue = [
        _mix(BLUE_LIGHT, BLUE_DARK, i / (half - 1)) if half > 1 else BLUE_DARK for i in range(half)
    ]
    colours = orange + ([NEUTRAL] if k % 2 else []) + blue
    return colours[::-1] if reverse else colours


def _option_colours(item: ItemDef) -> list[str]:
    if item.scale_type == "nominal":
        return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(item.n_options)]
    if item.scale_type == "yes_no":
        return [BLUE_DARK if code == item.yes_code else ORANGE_DARK for code in item.codes]
    return diverging_colours(item.n_options, reverse=item.polarity == "negative")


def _row_label(dist: Distribution, with_group: bool, hidden: str | None = None) -> str:
    """A bar's label: group and wave, n (the answers the statistics use) and, in the
    overview, "ved ikke"/skipped; a hidden group says why instead of giving numbers."""
    place = f"{dist.group} · {dist.wave}" if with_group else dist.wave
    if hidden:
        return f"{place} ({hidden})"
    extra = []
    if dist.ved_ikke:
        extra.append(f"ved ikke {dist.ved_ikke}")
    if dist.ubesvaret:
        extra.append(f"ubesvaret {dist.ubesvaret}")
    if dist.ikke_relevant:
        extra.append(f"ikke relevant {dist.ikke_relevant}")
    if not with_group:  # small panels: n only; the overview shows the missing answers
        return f"{place} (n={dist.n})"
    return f"{place} (n={dist.n}" + (f"; {', '.join(extra)}" if extra else "") + ")"


def _offsets(item: ItemDef, shares: Sequence[float]) -> list[tuple[float, float]]:
    """(base, width) in percent for each option: negative side for the low options."""
    k = len(shares)
    pct = [100 * s for s in shares]
    if item.scale_type == "nominal":
        bases = [sum(pct[:i]) for i in range(k)]
        return list(zip(bases, pct, strict=True))
    if item.scale_type == "yes_no":
        yes = item.yes_code - 1
        return [(0.0, p) if i == yes else (-p, p) for i, p in enumerate(pct)]
    middle = (k - 1) / 2
    left = sum(p for i, p in enumerate(pct) if i < middle) + (pct[k // 2] / 2 if k % 2 else 0)
    bases, running = [], -left
    for p in pct:
        bases.append(running)
        running += p
    return list(zip(bases, pct, strict=True))


def _bars(
    item: ItemDef,
    dists: list[Distribution],
    labels: list[str],
    show_legend: bool,
    axes: Mapping[str, str] | None = None,
) -> list[dict]:
    """One horizontal bar trace per option, its bars at their diverging offsets; ``axes``
    places them in a subplot."""
    colours = _option_colours(item)
    spans = [_offsets(item, d.shares or [0.0] * item.n_options) for d in dists]
    return [
        {
            "type": "bar",
            "y": labels,
            "x": [s[code - 1][1] for s in spans],
            "base": [s[code - 1][0] for s in spans],
            "orientation": "h",
            "name": label,
            "legendgroup": str(code),
            "showlegend": show_legend,
            "marker": {"color": colours[code - 1], "line": {"color": "white", "width": 1}},
            "customdata": [[d.counts[code - 1], d.n] for d in dists],
            "hovertemplate": (
                f"{html.escape(label)}: %{{x:.0f}} pct. "
                "(%{customdata[0]} af %{customdata[1]})<extra>%{y}</extra>"
            ),
            **(axes or {}),
        }
        for code, label in enumerate(item.labels, start=1)
    ]


def _subplot_axes(index: int) -> dict[str, str]:
    """The trace properties placing a trace in the ``index``-th subplot (0 is the first)."""
    suffix = str(index + 1) if index else ""
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _subplot_grid(
    rows: int,
    columns: int,
    titles: Sequence[str],
    vertical_spacing: float,
    horizontal_spacing: float | None = None,
    x_axis: Mapping | None = None,
    y_axis: Mapping | None = None,
) -> dict:
    """Layout axes and panel titles of a rows x columns grid filled from the top left, with
    the domains ``plotly.subplots.make_subplots`` gives (the same arithmetic, so the same
    floats); ``x_axis``/``y_axis`` are properties every panel's axes share."""
    if horizontal_spacing is None:
        horizontal_spacing = 0.2 / columns
    width = (1.0 - horizontal_spacing * (columns - 1)) / columns
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    widths, heights = [width] * columns, [height] * rows
    layout: dict = {}
    annotations = []
    for r in range(rows):
        # make_subplots counts rows from the bottom; its small overshoots are clipped to [0, 1]
        from_bottom = rows - 1 - r
        y_start = sum(heights[:from_bottom]) + from_bottom * vertical_spacing
        y_domain = [_clip(y_start + 0.0), _clip(y_start + height - 0.0)]
        for c in range(columns):
            x_start = sum(widths[:c]) + c * horizontal_spacing
            x_domain = [x_start + 0.0, x_start + width - 0.0]
            index = r * columns + c
            refs = _subplot_axes(index)
            suffix = refs["xaxis"][1:]
            layout[f"xaxis{suffix}"] = {
                "anchor": refs["yaxis"],
                "domain": x_domain,
                **_copy(x_axis),
            }
            layout[f"yaxis{suffix}"] = {
                "anchor": refs["xaxis"],
                "domain": y_domain,
                **_copy(y_axis),
            }
            if index < len(titles) and titles[index]:
                annotations.append(
                    {
                        "font": {"size": 16},
                        "showarrow": False,
                        "text": titles[index],
                        "x": sum(x_domain) / 2.0,
                        "xanchor": "center",
                        "xref": "paper",
                        "y": y_domain[1],
                        "yanchor": "bottom",
                        "yref": "paper",
                    }
                )
    layout["annotations"] = annotations
    return layout


def _clip(position: float) -> float:
    """A domain end nudged into [0, 1] when float error puts it just outside."""
    if -0.01 < position < 0.0:
        return 0.0
    if 1.0 < position < 1.01:
        return 1.0
    return position


def _copy(properties: Mapping | None) -> dict:
    """A deep copy of nested axis properties, so no two axes share a dictionary."""
    return {
        k: _copy(v) if isinstance(v, Mapping) else list(v) if isinstance(v, list) else v
        for k, v in (properties or {}).items()
    }


def _x_axis(item: ItemDef) -> dict:
    """The share axis: 0-100 % for nominal items, else diverging around zero."""
    title = {"text": "Andel af svarene (%)"}
    if item.scale_type == "nominal":
        return {"range": [0, 100], "title": title}
    return {
        "range": [-100, 100],
        "tickvals": [-100, -50, 0, 50, 100],
        "ticktext": ["100", "50", "0", "50", "100"],
        "title": title,
        "zeroline": True,
        "zerolinecolor": "#444",
    }


def _wrap(text: str, width: int = 90) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def _title(text: str) -> dict:
    """The item's text as a figure title, wrapped, at the very top of the figure."""
    return {
        "text": _wrap(text),
        "font": {"size": 15},
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 12, "l": 12},
    }


def _title_room(text: str) -> int:
    """Top margin in px: the wrapped title's lines and room for the panel titles below it."""
    return 12 + 20 * (_wrap(text).count("<br>") + 1) + 45


def item_figure(
    table: CountTable,
    definition: QuestionnaireDef,
    item_key: str,
    wave_a: str,
    wave_b: str,
    groups: list[str] | None = None,
    hidden: Mapping[tuple[str, str], str] | None = None,
) -> dict:
    """Diverging stacked bars for one item: per group (``alle`` first) wave A and wave B
    side by side, n shown; "ved ikke" and skipped answers are counted in the labels only.
    ``hidden`` maps (group, wave) to the reason a group's answers are not shown: the row
    stays, empty and labelled with the reason. Like every figure here, a plotly figure
    dictionary ({"data": [...], "layout": {...}}) without plotly's default template."""
    return waves_figure(table, definition, item_key, [wave_a, wave_b], groups, hidden)


def waves_figure(
    table: CountTable,
    definition: QuestionnaireDef,
    item_key: str,
    waves: Sequence[str],
    groups: list[str] | None = None,
    hidden: Mapping[tuple[str, str], str] | None = None,
) -> dict:
    """Diverging stacked bars for one item in any number of waves (one row per group and
    wave); the one figure definition of the dashboards and the report."""
    item = _item(definition, item_key)
    groups = groups if groups is not None else table.groups()
    hidden = hidden or {}
    dists, labels = [], []
    for group in groups:
        for wave in waves:
            d = describe_counts(item, table.get(item.key, group, wave, item.n_options), group, wave)
            dists.append(d)
            labels.append(_row_label(d, True, hidden.get((group, wave))))
    return {
        "data": _bars(item, dists, labels, show_legend=True),
        "layout": {
            "title": _title(item.text),
            "barmode": "overlay",
            "font": dict(FONT),
            "height": _title_room(item.text) + 34 * len(labels) + 30 + LEGEND_ROOM,
            "yaxis": {"autorange": "reversed", "title": {"text": ""}},
            "xaxis": _x_axis(item),
            "legend": _legend_below(34 * len(labels) + 30, 60),
            "margin": {"l": 260, "r": 30, "t": _title_room(item.text), "b": LEGEND_ROOM},
            "plot_bgcolor": "white",
        },
    }


def small_multiples_figure(
    table: CountTable,
    definition: QuestionnaireDef,
    item_key: str,
    wave_a: str,
    wave_b: str,
    groups: list[str] | None = None,
    hidden: Mapping[tuple[str, str], str] | None = None,
    columns: int = 2,
) -> dict:
    """One small panel per municipality for one item, wave A above wave B, n shown; a
    hidden group (``hidden``, as in ``item_figure``) keeps its panel, empty and labelled."""
    item = _item(definition, item_key)
    hidden = hidden or {}
    groups = groups if groups is not None else [g for g in table.groups() if g != "alle"]
    groups = groups or ["alle"]
    rows = math.ceil(len(groups) / columns)
    data = []
    for i, group in enumerate(groups):
        dists = [
            describe_counts(item, table.get(item.key, group, w, item.n_options), group, w)
            for w in (wave_a, wave_b)
        ]
        labels = [_row_label(d, False, hidden.get((group, d.wave))) for d in dists]
        data += _bars(item, dists, labels, i == 0, _subplot_axes(i))
    x_axis = {k: v for k, v in _x_axis(item).items() if k != "title"}
    layout = _subplot_grid(
        rows,
        columns,
        groups,
        vertical_spacing=min(0.16, 0.8 / max(rows, 1)),
        horizontal_spacing=0.22,
        x_axis={**x_axis, "tickfont": {"size": 10}},
        y_axis={"autorange": "reversed"},
    )
    layout.update(
        title=_title(item.text),
        barmode="overlay",
        font={**FONT, "size": 12},
        height=_title_room(item.text) + 170 * rows + LEGEND_ROOM,
        legend=_legend_below(170 * rows, 30),
        plot_bgcolor="white",
        margin={"t": _title_room(item.text), "l": 130, "b": LEGEND_ROOM},
    )
    return {"data": data, "layout": layout}


def _measure_label(definition: QuestionnaireDef, measure: str) -> str:
    if measure.startswith(DOMAIN_PREFIX):
        domain = definition.domain(measure[len(DOMAIN_PREFIX) :])
        return domain.label if domain else measure
    item = definition.item(measure)
    return item.text if item else measure


def _plotted_measures(definition: QuestionnaireDef) -> list[str]:
    all_measures = measures(definition)
    domains = [m for m in all_measures if m.startswith(DOMAIN_PREFIX)]
    return domains or all_measures


def progression_figure(
    counts: ProgressionCounts,
    definition: QuestionnaireDef,
    groups: list[str] | None = None,
    columns: int = 3,
) -> dict:
    """Mean domain score (items, if there are no domains) by occasion number, one panel per
    group, one line per domain, with 95% t-intervals and n in the hover text."""
    groups = groups if groups is not None else counts.groups()
    rows = math.ceil(len(groups) / columns) if groups else 1
    plotted = [(m, _measure_label(definition, m)) for m in _plotted_measures(definition)]
    data = []
    for i, group in enumerate(groups):
        for j, (measure, name) in enumerate(plotted):
            line = occasion_lines(counts, measure, group)
            colour = OKABE_ITO[j % len(OKABE_ITO)]
            data.append(
                {
                    "type": "scatter",
                    "x": [k for k, _ in line],
                    "y": [m.mean for _, m in line],
                    "error_y": {
                        "type": "data",
                        "symmetric": False,
                        "array": [(m.high - m.mean) if m.high is not None else 0 for _, m in line],
                        "arrayminus": [
                            (m.mean - m.low) if m.low is not None else 0 for _, m in line
                        ],
                        "color": colour,
                    },
                    "customdata": [[m.n] for _, m in line],
                    "mode": "lines+markers",
                    "name": name,
                    "legendgroup": measure,
                    "showlegend": i == 0,
                    "line": {"color": colour, "dash": ("solid", "dash", "dot", "dashdot")[j % 4]},
                    "hovertemplate": "%{x}. gang: %{y:.2f} (n=%{customdata[0]})<extra></extra>",
                    **_subplot_axes(i),
                }
            )
    top = max((i.n_options for i in definition.items if i.scale_type == "ordinal"), default=5)
    layout = _subplot_grid(
        rows,
        columns,
        groups,
        # about 130 px between rows: room for a panel's axis title above the next panel's title
        vertical_spacing=min(0.3, 130 / (280 * rows)),
        x_axis={"title": {"text": "Gang"}, "dtick": 1, "gridcolor": "#eee"},
        # intervals of tiny groups may reach past the scale; the axis stays on the scale
        y_axis={
            "title": {"text": "Score"},
            "gridcolor": "#eee",
            "range": [0.5, top + 0.5],
            "dtick": 1,
        },
    )
    layout.update(
        title={"text": f"{definition.title}: gennemsnitlig score efter gang (95 % interval)"},
        font=dict(FONT),
        height=220 + 280 * rows,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.3 / rows, "yanchor": "top"},
        margin={"b": 110},
    )
    return {"data": data, "layout": layout}


def citizen_trajectory_figure(
    trajectory: Sequence[ScoredOccasion],
    definition: QuestionnaireDef,
    occasion_labels: Sequence[str] | None = None,
    title: str | None = "Dine svar over tid",
) -> dict:
    """One citizen's own domain scores (items, if no domains) on every occasion so far.

    ``occasion_labels`` name the occasions on the x axis (default "1. gang" and the ISO date);
    ``title`` None leaves the title to the page around the figure. With one occasion the
    measures' markers stand side by side rather than on top of each other."""
    x = list(occasion_labels or [f"{o.number}. gang<br>{o.answered_at[:10]}" for o in trajectory])
    data = [
        {
            "type": "scatter",
            "x": x,
            "y": [o.scores.get(measure) for o in trajectory],
            "mode": "lines+markers",
            "name": _measure_label(definition, measure),
            "line": {
                "color": OKABE_ITO[j % len(OKABE_ITO)],
                "width": 3,
                "dash": ("solid", "dash", "dot", "dashdot")[j % 4],
            },
            "marker": {
                "size": 11,
                "symbol": ("circle", "square", "diamond", "triangle-up")[j % 4],
            },
            "connectgaps": True,
            "hovertemplate": "%{y:.1f}<extra>%{fullData.name}</extra>",
        }
        for j, measure in enumerate(_plotted_measures(definition))
    ]
    top = max((i.n_options for i in definition.items if i.scale_type == "ordinal"), default=5)
    layout = {
        "font": {**FONT, "size": 16},
        "yaxis": {
            "title": {"text": "Score (højere er bedre)"},
            "range": [0.8, top + 0.2],
            "dtick": 1,
        },
        # the tick labels already say "1. gang" and the date
        "xaxis": {"title": {"text": ""}},
        "plot_bgcolor": "white",
        "height": 520,
        "margin": {"b": 170},
        "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
    }
    if title is not None:
        layout["title"] = {"text": title}
    if len(trajectory) == 1:
        # Equal first scores would otherwise hide each other's markers at the one x position.
        layout.update(scattermode="group", scattergap=0.5)
    return {"data": data, "layout": layout}


def _item(definition: QuestionnaireDef, key: str) -> ItemDef:
    item = definition.item(key)
    if item is None:
        raise KeyError(f"{key!r} is not an item of {definition.key}")
    return item


@cache
def page_template() -> dict:
    """Plotly's default template (colours, grid lines, fonts) as a figure's ``layout.template``
    value: the figures here leave it out, so a page carries it once for all its figures."""
    import plotly.io as pio
    from plotly.utils import PlotlyJSONEncoder

    template = pio.templates[pio.templates.default].to_plotly_json()
    return json.loads(json.dumps(template, cls=PlotlyJSONEncoder))


def page_html(figures: Sequence[dict], title: str) -> str:
    """A complete Danish HTML page holding the figures, with plotly.js embedded once."""
    import plotly.io as pio

    parts = [
        pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        for i, fig in enumerate(figures)
    ]
    body = "\n".join(f"<section>{p}</section>" for p in parts)
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def write_html(path: str | Path, figures: Sequence[dict], title: str) -> Path:
    """Write a self-contained page (plotly.js embedded, opens offline) and return its path."""
    path = Path(path)
    path.write_text(page_html(figures, title), encoding="utf-8")
    return path
