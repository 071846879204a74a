"""Dashboards for evaluators and coordinators: fieldwork, wave comparison, progression."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from analysis.counts import ALL_GROUP

from ..access import (
    DASHBOARD_ROLES,
    INVITE_ROLES,
    OPEN_ANSWER_ROLES,
    may_invite,
    requested_municipality,
    roles_required,
    visible_municipalities,
)
from ..audit import record_staff_action
from ..db import get_session
from ..downloads import csv_download
from ..errors import error_page
from ..export import csv_chunks
from ..invitations import InvitationError, WaveClosedError, create_invitations
from ..params import int_param, path_values_checked, text_param
from ..registry import definition_of, find_version
from ..trials.trials import outside_participants
from ..waves import find_wave
from .comparison import COUNTS_HEADER, build_sections, count_rows
from .counts import (
    analysis_definition,
    citizen_data_key,
    impossible_answers,
    progression_counts,
    questionnaire_titles,
    repeated_questionnaires,
    wave_count_table,
    waves_of,
)
from .fieldwork import fieldwork_rows, grouped, invitable_waves
from .memo import computed_once
from .open_answers import open_answer_page, open_items
from .pairs import comparable_wave_pairs
from .progression import build_progression
from .reliability import estimated_reliabilities

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def audit_view(action: str, target: str = "", municipality: str | None = None) -> None:
    """Log a dashboard view by the signed-in user (committed with the request)."""
    record_staff_action(get_session(), action, target, municipality)


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def fieldwork():
    """Fieldwork monitor: invited, started, completed and response rate per wave and place."""
    session = get_session()
    rows = fieldwork_rows(session, current_user)
    places = visible_municipalities(session, current_user)
    can_invite = current_user.user.role in INVITE_ROLES
    audit_view("view_fieldwork")
    session.commit()
    return render_template(
        "dashboards/fieldwork.html",
        groups=grouped(rows),
        waves=invitable_waves(session) if can_invite else [],
        municipalities=[m for m in places if may_invite(current_user, m.id)],
        can_invite=can_invite,
    )


@bp.route("/invitations", methods=["POST"])
@roles_required(*INVITE_ROLES)
def create_invitation_links():
    """Create invitation links for a wave and municipality and download them as CSV."""
    session = get_session()
    questionnaire, wave_key = text_param(request.form, "wave").partition("/")[::2]
    municipality = requested_municipality(
        session, current_user, text_param(request.form, "municipality"), "create_invitations"
    )
    if municipality is None:
        abort(400)
    if not may_invite(current_user, municipality.id):
        abort(403)
    wave = find_wave(session, questionnaire, wave_key)
    if wave is None:
        abort(400)
    count = int_param(request.form, "count", required=True)
    outside = outside_participants(
        current_app.config["QUESTIONNAIRE_DIR"], questionnaire, municipality.name
    )
    if outside is not None and request.form.get("outside_confirmed") != "1":
        return render_template(
            "trials/outside_participants.html", trial=outside, municipality=municipality,
            wave=wave, questionnaire=questionnaire, count=count,
        )  # fmt: skip
    try:
        issued = create_invitations(
            session, wave, municipality, count, current_app.config["BASE_URL"]
        )
    except WaveClosedError:
        closed = (
            f"Runden „{wave.title}“ er lukket. Der kan kun laves links til åbne og kommende runder."
        )
        return error_page(400, closed)
    except InvitationError:
        abort(400)
    record_staff_action(
        session,
        "create_invitations",
        f"{questionnaire}/{wave_key} x{count}",
        municipality.name,
    )
    session.commit()
    rows = ([i.token, i.url] for i in issued)
    filename = f"invitationer-{questionnaire}-{wave_key}-{municipality.name}.csv"
    return csv_download(csv_chunks(rows, ["token", "url"]), filename)


def _groups_for(user, table_groups: list[str]) -> list[str]:
    """``alle`` and every municipality for those who see all; otherwise their own only."""
    if user.sees_all_municipalities:
        return [ALL_GROUP] + sorted(g for g in table_groups if g != ALL_GROUP)
    return list(user.municipality_names)


@bp.route("/compare/")
@roles_required(*DASHBOARD_ROLES)
def compare_index():
    """The questionnaires with waves to compare, and every pair of their waves that share items."""
    session = get_session()
    listing = []
    for key, title in questionnaire_titles(session):
        pairs = comparable_wave_pairs(session, key)
        if pairs:
            listing.append((key, title, pairs))
    audit_view("view_compare_index")
    session.commit()
    return render_template("dashboards/compare_index.html", listing=listing)


@bp.route("/compare/<questionnaire>/<wave_a>/<wave_b>")
@roles_required(*DASHBOARD_ROLES)
@path_values_checked
def compare(questionnaire: str, wave_a: str, wave_b: str):
    """Wave A against wave B per item: bars, n, statistics and a plain reading."""
    session = get_session()
    waves = {wave.key: (wave, version) for wave, version in waves_of(session, questionnaire)}
    if wave_a not in waves or wave_b not in waves or wave_a == wave_b:
        abort(404)
    definition = analysis_definition(session, questionnaire, {waves[wave_a][1], waves[wave_b][1]})
    table = wave_count_table(session, current_user, questionnaire, [wave_a, wave_b])
    groups = _groups_for(current_user, table.groups())
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    titles = {key: wave.title for key, (wave, _) in waves.items()}
    impossible = impossible_answers(session, questionnaire, {waves[wave_a][1], waves[wave_b][1]})
    # A user who sees only their own municipality may find it never answered these waves.
    no_answers = not set(groups) & set(table.groups())
    arguments = (table, definition, wave_a, wave_b, groups, threshold, impossible, titles)
    key = ("compare", set(table.records()), *arguments[1:])
    sections = [] if no_answers else computed_once(key, lambda: build_sections(*arguments))
    audit_view("view_comparison", f"{questionnaire}/{wave_a}/{wave_b}")
    session.commit()
    return render_template(
        "dashboards/compare.html",
        definition=definition,
        wave_a=waves[wave_a][0],
        wave_b=waves[wave_b][0],
        sections=sections,
        threshold=threshold,
        no_answers=no_answers,
    )


@bp.route("/progression/")
@roles_required(*DASHBOARD_ROLES)
def progression_index():
    """The repeated citizen questionnaires whose progression can be followed."""
    session = get_session()
    listing = repeated_questionnaires(session)
    audit_view("view_progression_index")
    session.commit()
    return render_template("dashboards/progression_index.html", listing=listing)


@bp.route("/progression/<questionnaire>")
@roles_required(*DASHBOARD_ROLES)
@path_values_checked
def progression(questionnaire: str):
    """Domain scores over occasions per municipality; no individual citizen is shown."""
    session = get_session()
    if questionnaire not in {key for key, _ in repeated_questionnaires(session)}:
        abort(404)
    definition = analysis_definition(session, questionnaire)
    # Answers never change, so the occasion score table's last change (and the places'
    # names) determine the counts: they are read again only when an occasion came or went.
    data = ("progression", citizen_data_key(session), definition)
    counts = computed_once(data, lambda: progression_counts(session, questionnaire, definition))
    groups = _groups_for(current_user, counts.groups())
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    reliabilities = computed_once(
        (*data, "reliability"),
        lambda: estimated_reliabilities(session, questionnaire, definition),
    )
    page = computed_once(
        (*data, groups, threshold),
        lambda: build_progression(counts, definition, groups, threshold, reliabilities),
    )
    audit_view("view_progression", questionnaire)
    session.commit()
    return render_template(
        "dashboards/progression.html", definition=definition, page=page, threshold=threshold
    )


@bp.route("/compare/<questionnaire>/<wave_a>/<wave_b>/counts.csv")
@roles_required(*DASHBOARD_ROLES)
@path_values_checked
def compare_counts_csv(questionnaire: str, wave_a: str, wave_b: str):
    """The comparison's answer counts as CSV, with the same groups hidden as on the page."""
    session = get_session()
    waves = {wave.key: version for wave, version in waves_of(session, questionnaire)}
    if wave_a not in waves or wave_b not in waves or wave_a == wave_b:
        abort(404)
    definition = analysis_definition(session, questionnaire, {waves[wave_a], waves[wave_b]})
    table = wave_count_table(session, current_user, questionnaire, [wave_a, wave_b])
    groups = _groups_for(current_user, table.groups())
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    impossible = impossible_answers(session, questionnaire, {waves[wave_a], waves[wave_b]})
    rows = count_rows(table, definition, [wave_a, wave_b], groups, threshold, impossible)
    audit_view("download_dashboard_counts", f"{questionnaire}/{wave_a}/{wave_b}")
    session.commit()
    filename = f"{questionnaire}-{wave_a}-{wave_b}.csv"
    return csv_download(csv_chunks(rows, COUNTS_HEADER), filename)


@bp.route("/open-answers/")
@roles_required(*OPEN_ANSWER_ROLES)
def open_answers_index():
    """Åbne svar: the questionnaires with text or number items, and their waves."""
    session = get_session()
    listing = []
    for key, title in questionnaire_titles(session):
        waves = [
            wave
            for wave, version in waves_of(session, key)
            if open_items(definition_of(find_version(session, key, version)))
        ]
        if waves:
            listing.append((key, title, waves))
    audit_view("view_open_answers_index")
    session.commit()
    return render_template("dashboards/open_answers_index.html", listing=listing)


@bp.route("/open-answers/<questionnaire>/<wave>")
@roles_required(*OPEN_ANSWER_ROLES)
@path_values_checked
def open_answers(questionnaire: str, wave: str):
    """The answers to the text and number items of one wave, page by page, per municipality;
    a municipality with fewer respondents than the suppression threshold is hidden."""
    session = get_session()
    found = next(((w, v) for w, v in waves_of(session, questionnaire) if w.key == wave), None)
    if found is None:
        abort(404)
    municipality = requested_municipality(
        session,
        current_user,
        text_param(request.args, "municipality", status=404),
        "view_open_answers",
    )
    number = int_param(request.args, "page", default=1, status=404)
    definition = definition_of(find_version(session, questionnaire, found[1]))
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    place = municipality.name if municipality else None
    page = open_answer_page(session, current_user, found[0], definition, threshold, number, place)
    audit_view("view_open_answers", f"{questionnaire}/{wave} side {page.page}", place)
    session.commit()
    return render_template(
        "dashboards/open_answers.html",
        definition=definition,
        wave=found[0],
        page=page,
        threshold=threshold,
        municipality=municipality,
    )
