"""Command line: ``python -m analysis compare|progression|plot|texts EXPORT.csv ...``.

A malformed export or a missing definition ends with a message on standard error and exit
status 1, before anything is written. In every output ``status`` is a bare code (``ok``,
``too_few``, ``nominal``, ``not_comparable``) and the words are in ``note``;
``p_adjusted`` is Benjamini-Hochberg adjusted within each group.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from analysis.compare import JSON_KEYS as COMPARE_KEYS
from analysis.definitions import DefinitionError, load_definitions
from analysis.pipeline import compare_export, progression_export
from analysis.plots import (
    citizen_trajectory_figure,
    item_figure,
    progression_figure,
    small_multiples_figure,
    write_html,
)
from analysis.progression import JSON_KEYS as PROGRESSION_KEYS
from analysis.progression import citizen_trajectory
from analysis.reading import ExportError
from analysis.texts import TEXT_KEYS, open_answers_export, readable


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for the four commands."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Compare survey waves and measure citizens' progression from an export CSV.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        """The arguments every command takes."""
        p.add_argument("export", type=Path, help="the long export CSV written by the app")
        p.add_argument("--questionnaire", required=True, help="questionnaire key, e.g. mentor")
        p.add_argument(
            "--questionnaires",
            type=Path,
            default=Path("questionnaires"),
            help="directory of questionnaire definitions (default: questionnaires/)",
        )

    compare = sub.add_parser("compare", help="compare two waves per item and group")
    common(compare)
    compare.add_argument("--waves", nargs=2, required=True, metavar=("A", "B"))
    compare.add_argument("--by", choices=["municipality"], help="also each municipality")
    compare.add_argument("--format", choices=["table", "json", "csv"], default="table")

    progression = sub.add_parser("progression", help="first against latest occasion")
    common(progression)
    progression.add_argument("--by", choices=["municipality"], help="also each municipality")
    progression.add_argument("--format", choices=["table", "json", "csv"], default="table")

    plot = sub.add_parser("plot", help="write self-contained HTML figures")
    common(plot)
    what = plot.add_mutually_exclusive_group(required=True)
    what.add_argument("--waves", nargs=2, metavar=("A", "B"))
    what.add_argument("--progression", action="store_true")
    plot.add_argument("--citizen", help="with --progression: also this citizen's trajectory")
    plot.add_argument("--out", type=Path, required=True, help="directory for the HTML files")

    texts = sub.add_parser("texts", help="list the answers to text and number items")
    common(texts)
    texts.add_argument("--format", choices=["table", "json", "csv"], default="table")
    return parser


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    return str(value)


def format_records(records: list[dict], keys: tuple[str, ...], fmt: str) -> str:
    """Records as an aligned text table, JSON (a list of objects) or CSV."""
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(keys), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if r[k] is None else r[k]) for k in keys} for r in records)
        return out.getvalue()
    cells = [list(keys)] + [[_number(r[k]) for k in keys] for r in records]
    widths = [max(len(row[i]) for row in cells) for i in range(len(keys) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in cells
    ]
    return "\n".join(lines) + "\n"


def _compare(args) -> str:
    definitions = load_definitions(args.questionnaires, args.questionnaire)
    wave_a, wave_b = args.waves
    if wave_a == wave_b:
        raise DefinitionError("--waves needs two different waves")
    result = compare_export(
        args.export, definitions, args.questionnaire, wave_a, wave_b, args.by == "municipality"
    )
    text = format_records([r.to_record() for r in result.results], COMPARE_KEYS, args.format)
    if args.format == "table":
        text += (
            "\nn: de substantielle svar i begge bølger, som testene bruger. "
            "cliffs_delta > 0: bølge B svarede lavere end bølge A; < 0: højere. "
            "p_adjusted: Benjamini-Hochberg over spørgeskemaets spørgsmål inden for gruppen.\n"
        )
    return text


def _progression(args) -> str:
    definitions = load_definitions(args.questionnaires, args.questionnaire)
    result = progression_export(
        args.export, definitions, args.questionnaire, args.by == "municipality"
    )
    records = [r.to_record() for r in result.results]
    text = format_records(records, PROGRESSION_KEYS, args.format)
    if args.format == "table":
        text += (
            "\np_adjusted: Wilcoxon-p justeret med Benjamini-Hochberg inden for gruppen, "
            "domæner for sig og enkeltspørgsmål for sig.\n"
        )
    return text


def _plot(args) -> str:
    definitions = load_definitions(args.questionnaires, args.questionnaire)
    pages: dict[str, tuple[list, str]] = {}
    if args.waves:
        wave_a, wave_b = args.waves
        if wave_a == wave_b:
            raise DefinitionError("--waves needs two different waves")
        result = compare_export(args.export, definitions, args.questionnaire, wave_a, wave_b)
        d, table = result.definition, result.table
        for item in d.items:
            figures = [item_figure(table, d, item.key, wave_a, wave_b, result.groups)]
            if len(result.groups) > 2:
                figures.append(
                    small_multiples_figure(table, d, item.key, wave_a, wave_b, result.groups[1:])
                )
            pages[f"{args.questionnaire}-{item.key}.html"] = (
                figures,
                f"{d.title}: {wave_a} og {wave_b}",
            )
    else:
        result = progression_export(args.export, definitions, args.questionnaire, True)
        d = result.definition
        pages[f"{args.questionnaire}-progression.html"] = (
            [progression_figure(result.counts, d)],
            f"{d.title}: progression",
        )
        if args.citizen:
            if args.citizen not in result.citizens:
                raise DefinitionError(f"no citizen {args.citizen!r} in the file")
            trajectory = citizen_trajectory(result.citizens[args.citizen], d)
            pages[f"{args.questionnaire}-borger-{args.citizen}.html"] = (
                [citizen_trajectory_figure(trajectory, d)],
                f"{d.title}: dine svar",
            )
    html_pages = {name: (figs, title) for name, (figs, title) in pages.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    written = [
        write_html(args.out / name, figs, title) for name, (figs, title) in html_pages.items()
    ]
    return "".join(f"{path}\n" for path in written)


def _texts(args) -> str:
    definitions = load_definitions(args.questionnaires, args.questionnaire)
    answers = open_answers_export(args.export, definitions, args.questionnaire)
    if args.format == "table":
        return readable(answers)
    return format_records([a.to_record() for a in answers], TEXT_KEYS, args.format)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "plot" and args.citizen and not args.progression:
        build_parser().error("--citizen goes with --progression")
    handlers = {"compare": _compare, "progression": _progression, "plot": _plot, "texts": _texts}
    handler = handlers[args.command]
    try:
        output = handler(args)
    except (ExportError, DefinitionError) as exc:
        print(f"fejl: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(output)
    return 0
