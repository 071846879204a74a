"""The ``survey-app`` command line: set-up, questionnaires, waves, invitations, export, demo."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from . import create_app
from .config import ConfigurationError
from .db import engine, get_session
from .demo import (
    DEMO_PASSWORD,
    DemoDataError,
    create_demo_data,
    ensure_demo_users,
    ensure_open_demo_wave,
    has_demo_data,
    remove_demo_data,
)
from .export import ExportFilter, csv_chunks
from .export_copy import write_long_csv
from .invitations import InvitationError, create_invitations
from .migrate import upgrade_to_head
from .questionnaire_schema import comparison_lines, load_directory
from .registry import (
    definition_of,
    ensure_municipalities,
    find_municipality,
    list_versions,
    load_questionnaires,
    version_comparisons,
)
from .waves import WaveError, create_wave, ensure_historic_waves, find_wave, parse_iso


class IncompleteConfiguration(click.ClickException):
    """The app cannot be made from the environment; click prints the reason as one line."""


def _create_app(*_args, **_kwargs):
    try:
        return create_app()
    except ConfigurationError as exc:
        raise IncompleteConfiguration(str(exc)) from exc


class SurveyAppGroup(FlaskGroup):
    """Flask's command group, but ``--help`` works before the environment is configured."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands; without a usable configuration, those that need no app to be listed."""
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except IncompleteConfiguration:
            self._load_plugin_commands()
            return sorted(click.Group.list_commands(self, ctx))
        return super().list_commands(ctx)


main = SurveyAppGroup(
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    help="Surveys and progression measurement for Danish free-municipality trials.",
)


def _questionnaire_dir(directory: str | None) -> Path:
    return Path(directory) if directory else current_app.config["QUESTIONNAIRE_DIR"]


@main.command("init-db")
def init_db_command():
    """Create or upgrade the database schema and add the trial municipalities."""
    upgrade_to_head(engine(), seal_key=current_app.config["SEAL_KEY"])
    session = get_session()
    added = ensure_municipalities(session)
    waves = ensure_historic_waves(session)
    session.commit()
    click.echo(f"Database is at the newest schema; {added} municipalities added.")
    if waves:
        click.echo("Historic waves added: " + ", ".join(waves))


@main.command("check-questionnaires", with_appcontext=False)
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def check_questionnaires_command(directory):
    """Validate every questionnaire file in DIRECTORY (default: questionnaires/)."""
    from .config import DEFAULT_QUESTIONNAIRE_DIR

    path = Path(directory) if directory else DEFAULT_QUESTIONNAIRE_DIR
    questionnaires, errors = load_directory(path)
    for q in questionnaires:
        click.echo(f"ok  {q.key} v{q.version} ({len(q.items)} items)")
    from .trials.trials import load_trials

    trials, trial_errors = load_trials(path)
    for trial in trials:
        click.echo(f"ok  trial {trial.key} ({len(trial.instruments)} instruments)")
    errors = [*errors, *trial_errors]
    for message in errors:
        click.echo(message, err=True)
    if errors:
        raise SystemExit(1)
    if not questionnaires:
        click.echo(f"{path}: no questionnaire files found", err=True)
        raise SystemExit(1)


@main.command("load-questionnaires")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def load_questionnaires_command(directory):
    """Store new questionnaire versions; refuse changed content under an existing version."""
    session = get_session()
    report = load_questionnaires(session, _questionnaire_dir(directory))
    waves = ensure_historic_waves(session)
    session.commit()
    for label in report.added:
        click.echo(f"added      {label}")
    for label in report.unchanged:
        click.echo(f"unchanged  {label}")
    if waves:
        click.echo("historic waves added: " + ", ".join(waves))
    for message in report.refused:
        click.echo(f"refused    {message}", err=True)
    if not report.ok:
        raise SystemExit(1)


@main.command("versions")
@click.argument("key")
def versions_command(key):
    """List the stored versions of KEY and which items are comparable between them."""
    versions = list_versions(get_session(), key)
    if not versions:
        raise click.ClickException(f"no versions of questionnaire '{key}' are loaded")
    for v in versions:
        loaded = v.loaded_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{key} v{v.version}  fingerprint {v.fingerprint[:12]}  loaded {loaded}  {v.title}"
        )
    for old, new, comparison in version_comparisons(versions):
        click.echo(f"\nv{old.version} -> v{new.version}")
        for line in comparison_lines(definition_of(old), definition_of(new), comparison):
            click.echo(line)
    if len(versions) > 1:
        click.echo("\nOnly identical items are compared between waves on different versions.")


@main.command("import-xlsform")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--key", required=True, help="Questionnaire key, e.g. mentor.")
@click.option("--version", type=int, default=None, help="Default: the next free version.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Directory for KEY.vN.yaml (default: the questionnaire directory).")  # fmt: skip
def import_xlsform_command(file, key, version, output):
    """Convert an XLSForm (.xlsx) into a new questionnaire YAML file; never overwrites one."""
    from .instruments.publishing import (
        PublishError,
        next_free_version,
        stored_versions,
        write_version_file,
    )
    from .instruments.xlsform import XLSFormError, import_xlsform

    directory = _questionnaire_dir(output)
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot be read: {exc.strerror or exc}") from exc
    if version is None:
        try:
            stored = stored_versions(get_session(), key)
        except SQLAlchemyError:
            click.echo("warning: the database cannot be read; counting the files only", err=True)
            stored = []
        version = next_free_version(directory, key, stored)
    try:
        result = import_xlsform(data, key, version)
        path = write_version_file(directory, result.questionnaire, result.yaml_text)
    except XLSFormError as exc:
        raise click.ClickException(f"{file}: refused:\n" + "\n".join(exc.messages)) from exc
    except PublishError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in result.warnings:
        click.echo(f"warning: {file}: {warning}", err=True)
    click.echo(str(path))


@main.command("export-xlsform")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Default: the newest version.")
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="FILE.xlsx")
def export_xlsform_command(key, version, output):
    """Write a questionnaire version (stored, or a file in the questionnaire directory) as an
    XLSForm that import-xlsform reads back."""
    from .instruments.xlsform import export_xlsform
    from .registry import definition_of, find_version

    try:
        stored = find_version(get_session(), key, version)
    except SQLAlchemyError:
        stored = None
    found = [definition_of(stored)] if stored else []
    if not found:
        files, _ = load_directory(_questionnaire_dir(None))
        found = sorted(
            (q for q in files if q.key == key and version in (None, q.version)),
            key=lambda q: q.version,
        )[-1:]
    if not found:
        which = f"version {version} of " if version else ""
        raise click.ClickException(f"no {which}questionnaire '{key}' is loaded or in a file")
    try:
        Path(output).write_bytes(export_xlsform(found[0]))
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot be written: {exc.strerror or exc}") from exc
    click.echo(f"{output}: {key} v{found[0].version}")


@main.command("create-wave")
@click.option("--questionnaire", "questionnaire", required=True, help="Questionnaire key.")
@click.option("--wave", "wave_key", required=True, help="Wave key, e.g. jan-2019.")
@click.option("--title", required=True, help="Danish title, shown on the pages.")
@click.option("--title-en", default=None, help="English title (optional).")
@click.option("--opens", required=True, help="ISO 8601 date or time (UTC if no offset).")
@click.option("--closes", required=True, help="ISO 8601 date or time (UTC if no offset).")
@click.option("--version", type=int, default=None, help="Version (default: the newest).")
def create_wave_command(questionnaire, wave_key, title, title_en, opens, closes, version):
    """Create a wave of a questionnaire version, open between two times."""
    session = get_session()
    try:
        wave = create_wave(
            session,
            questionnaire,
            wave_key,
            title,
            parse_iso(opens, "--opens"),
            parse_iso(closes, "--closes"),
            version=version,
            title_en=title_en,
        )
    except WaveError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"created wave {questionnaire}/{wave.key}: {wave.opens_at} to {wave.closes_at}")


@main.command("invite")
@click.option("--questionnaire", "questionnaire", required=True)
@click.option("--wave", "wave_key", required=True)
@click.option("--municipality", required=True, help="Short name, e.g. Aalborg.")
@click.option("--count", type=int, required=True)
@click.option("--base-url", default=None, help="Default: http://127.0.0.1:5000")
@click.option(
    "--force", is_flag=True, help="Invite a municipality outside the trial's participants."
)
def invite_command(questionnaire, wave_key, municipality, count, base_url, force):
    """Create COUNT invitation links and write them as CSV (token,url) to standard output."""
    from .trials.trials import outside_participants

    session = get_session()
    wave = find_wave(session, questionnaire, wave_key)
    if wave is None:
        raise click.ClickException(f"questionnaire '{questionnaire}' has no wave '{wave_key}'")
    place = find_municipality(session, municipality)
    if place is None:
        raise click.ClickException(f"unknown municipality '{municipality}'")
    trial = outside_participants(current_app.config["QUESTIONNAIRE_DIR"], questionnaire, place.name)
    if trial is not None and not force:
        raise click.ClickException(
            f"{place.name} does not take part in the trial '{trial.key}' "
            "(questionnaires/trials/); use --force to invite anyway"
        )
    try:
        issued = create_invitations(
            session, wave, place, count, base_url or current_app.config["BASE_URL"]
        )
    except InvitationError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    for chunk in csv_chunks(([i.token, i.url] for i in issued), ["token", "url"]):
        sys.stdout.write(chunk)


@main.command("export")
@click.option("--questionnaire", default=None)
@click.option("--wave", default=None)
@click.option("--municipality", default=None)
@click.option("--no-demo", is_flag=True, help="Leave out demo data.")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Default: stdout.")
def export_command(questionnaire, wave, municipality, no_demo, output):
    """Write the long CSV export (one row per response and item)."""
    filters = ExportFilter(questionnaire, wave, municipality, include_demo=not no_demo)
    sys.stdout.flush()
    with open(output, "wb") if output else contextlib.nullcontext(sys.stdout.buffer) as handle:
        write_long_csv(get_session(), filters, handle)


@main.command("demo-data")
@click.option("--seed", type=int, default=2019, show_default=True)
@click.option("--replace", is_flag=True, help="Remove existing demo data first.")
def demo_data_command(seed, replace):
    """Create reproducible demo invitations and answers (marked as demo)."""
    session = get_session()
    if replace:
        remove_demo_data(session)
    try:
        made = create_demo_data(
            session, seed, current_app.config["BASE_URL"], current_app.config["SEAL_KEY"]
        )
    except DemoDataError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(
        f"demo data: {made['caseworker_responses']} caseworker responses, "
        f"{made['citizen_responses']} citizen responses (seed {seed})"
    )


@main.command("demo-link")
@click.option("--base-url", default=None)
def demo_link_command(base_url):
    """Print a fresh link to the open demo survey."""
    session = get_session()
    wave = ensure_open_demo_wave(session)
    place = find_municipality(session, "Aalborg")
    issued = create_invitations(
        session, wave, place, 1, base_url or current_app.config["BASE_URL"], is_demo=True
    )
    session.commit()
    click.echo(issued[0].url)


@main.command("setup")
@click.option("--demo/--no-demo", default=True, help="Add demo data if the database is empty.")
def setup_command(demo):
    """Everything `make run` needs: schema, municipalities, questionnaires, waves, demo data."""
    upgrade_to_head(engine(), seal_key=current_app.config["SEAL_KEY"])
    session = get_session()
    ensure_municipalities(session)
    report = load_questionnaires(session, current_app.config["QUESTIONNAIRE_DIR"])
    ensure_historic_waves(session)
    for message in report.refused:
        click.echo(f"refused    {message}", err=True)
    if demo and not has_demo_data(session):
        made = create_demo_data(
            session, 2019, current_app.config["BASE_URL"], current_app.config["SEAL_KEY"]
        )
        click.echo(f"added demo data: {made}")
    if demo and current_app.config["ENV_NAME"] != "production":
        added = ensure_demo_users(session)
        if added:
            click.echo(f"demo users (password '{DEMO_PASSWORD}', never in production):")
            for email, role in added:
                click.echo(f"  {email} ({role})")
    session.commit()
    if not report.ok:
        raise SystemExit(1)


@main.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["admin", "evaluator", "coordinator", "caseworker", "manager"]),
    required=True,
)
@click.option("--municipality", "municipalities", multiple=True, help="Repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, municipalities, password_stdin):
    """Create a staff user who signs in at /login."""
    from .auth.users import UserError, create_user

    session = get_session()
    places = []
    for name in municipalities:
        place = find_municipality(session, name)
        if place is None:
            raise click.ClickException(f"unknown municipality '{name}'")
        places.append(place)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(session, email, role, password, places)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    where = ", ".join(p.name for p in places) or "all municipalities"
    click.echo(f"created {user.role} {user.email} ({where})")


# --- Citizens' privacy duties: export and erasure of everything stored under a pseudonym ---


def _cli_actor() -> str:
    """The audit actor for a command run from the shell: ``cli:<OS user>``, or ``cli``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in the environment (e.g. a bare container)
        return "cli"


@main.command("citizen-export")
@click.argument("key")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Default: stdout.")
def citizen_export_command(key, output):
    """Write everything stored about the citizen with pseudonym KEY as one JSON file."""
    import json

    from .citizen_data import CitizenNotFound, audit_export, citizen_record

    session = get_session()
    try:
        data = citizen_record(session, key, current_app.config["SEAL_KEY"])
    except CitizenNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    # Logged before the data leaves: an export is never handed out without an audit entry.
    audit_export(session, data, actor=_cli_actor())
    session.commit()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote the data of '{key}' to {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command("citizen-erase")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
def citizen_erase_command(key, yes):
    """Erase everything stored about the citizen with pseudonym KEY (answers included)."""
    from .citizen_data import CitizenNotFound, erase_citizen, erasure_preview

    session = get_session()
    try:
        preview = erasure_preview(session, key)
    except CitizenNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.echo(f"Would erase for '{key}': {preview.describe()}.")
        click.confirm("Erase this for good?", default=False, abort=True)
    summary = erase_citizen(
        session, key, seal_key=current_app.config["SEAL_KEY"], actor=_cli_actor()
    )
    session.commit()
    click.echo(f"erased for '{key}': {summary.describe()}")


# --- Fieldwork by e-mail (survey_app/mail/cli.py) ---
from .mail.cli import register_mail_commands  # noqa: E402

register_mail_commands(main)


def _register_trial_commands() -> None:
    from .trials.commands import import_indicators_command, report_command

    main.add_command(report_command)
    main.add_command(import_indicators_command)


_register_trial_commands()
