"""Command line for trials: ``report`` and ``import-indicators`` (registered in cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit import record
from ..db import get_session
from ..registry import find_municipality
from .gather import Viewer
from .indicators import IndicatorError, import_indicators
from .report import REPORT_FORMATS, render_report
from .trials import catalogue


def _actor() -> str:
    from ..cli import _cli_actor

    return _cli_actor()


@click.command("report")
@click.option(
    "--trial", "trial_keys", multiple=True, help="Trial key; repeat for a network report."
)
@click.option("--network", default=None, help="Every trial of this network (a network report).")
@click.option("--waves", nargs=2, default=None, help="Two waves to compare (default: all).")
@click.option("--municipality", "municipalities", multiple=True, help="Only these municipalities.")
@click.option("--format", "fmt", type=click.Choice(sorted(REPORT_FORMATS)), required=True)
@click.option("--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def report_command(trial_keys, network, waves, municipalities, fmt, output):
    """Write the evaluation report in seed 003's outline (docx, pdf or html)."""
    known = catalogue(current_app.config["QUESTIONNAIRE_DIR"])
    trials = [known.get(k) for k in trial_keys]
    missing = [k for k, t in zip(trial_keys, trials, strict=True) if t is None]
    if missing:
        raise click.ClickException(f"unknown trial '{missing[0]}' (questionnaires/trials/)")
    if network:
        trials += known.by_network(network)
        if not known.by_network(network):
            raise click.ClickException(f"no trials in network '{network}'")
    if not trials:
        raise click.ClickException("name a trial with --trial or a network with --network")
    session = get_session()
    viewer = Viewer(True)
    if municipalities:
        places = [find_municipality(session, name) for name in municipalities]
        if None in places:
            unknown = municipalities[places.index(None)]
            raise click.ClickException(f"unknown municipality '{unknown}'")
        viewer = Viewer(False, frozenset(p.id for p in places), tuple(p.name for p in places))
    body, _ = render_report(session, viewer, trials, fmt, list(waves) if waves else None)
    Path(output).write_bytes(body)
    record(session, "report", actor=_actor(), target=",".join(t.key for t in trials) + f".{fmt}")
    session.commit()
    click.echo(f"wrote {output} ({len(body)} bytes)")


@click.command("import-indicators")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_indicators_command(file):
    """Import registry indicators (CSV: trial,municipality,indicator,period,value,source)."""
    session = get_session()
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
        added = import_indicators(session, text, _actor())
    except (IndicatorError, UnicodeDecodeError) as exc:
        session.rollback()
        raise click.ClickException(f"nothing imported: {exc}") from exc
    record(session, "import_indicators", actor=_actor(), target=f"{Path(file).name} x{added}")
    session.commit()
    click.echo(f"imported {added} indicators")
