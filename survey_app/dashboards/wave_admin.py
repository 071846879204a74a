"""Waves from the dashboard: admins and evaluators create, extend and close them early."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..access import roles_required
from ..audit import record_staff_action
from ..db import get_session
from ..formatting import danish_datetime
from ..models import QuestionnaireVersion, Wave
from ..params import MAX_ID, int_param, path_values_checked, text_param
from ..wave_changes import close_now, local_input_value, move_closing, parse_local
from ..waves import WaveError, create_wave, wave_state

bp = Blueprint("wave_admin", __name__, url_prefix="/dashboard/waves")
WAVE_ROLES = ("admin", "evaluator")


def _listing(session):
    query = (
        select(Wave, QuestionnaireVersion)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .where(Wave.is_demo.is_(False))
        .order_by(QuestionnaireVersion.key, Wave.opens_at.desc())
    )
    return [(wave, version, wave_state(wave).value) for wave, version in session.execute(query)]


def _versions(session):
    query = select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.key, QuestionnaireVersion.version.desc()
    )
    return list(session.execute(query).scalars())


def _render(problem: str | None = None, status: int = 200, form=None):
    session = get_session()
    html = render_template(
        "dashboards/waves.html",
        waves=_listing(session),
        versions=_versions(session),
        problem=problem,
        form=form or {},
        local_input_value=local_input_value,
    )
    return html, status


@bp.route("/")
@roles_required(*WAVE_ROLES)
def index():
    """Every wave with its times in Danish local time, and the forms to change them."""
    record_staff_action(get_session(), "view_waves")
    get_session().commit()
    return _render()


@bp.route("/create", methods=["POST"])
@roles_required(*WAVE_ROLES)
def create():
    """Create a wave on a questionnaire version, times entered in Danish local time."""
    session = get_session()
    version = session.get(QuestionnaireVersion, int_param(request.form, "version", required=True))
    if version is None:
        abort(400)
    try:
        wave = create_wave(
            session,
            version.key,
            text_param(request.form, "key", max_length=60),
            text_param(request.form, "title"),
            parse_local(text_param(request.form, "opens"), "Åbner"),
            parse_local(text_param(request.form, "closes"), "Lukker"),
            version=version.version,
        )
    except WaveError as exc:
        session.rollback()
        return _render(str(exc), 400, request.form)
    record_staff_action(
        session,
        "create_wave",
        f"{version.key}/{wave.key} v{version.version} "
        f"{wave.opens_at.isoformat()} - {wave.closes_at.isoformat()}",
    )
    session.commit()
    flash(f"Runden »{wave.title}« er oprettet.")
    return redirect(url_for("wave_admin.index"), 303)


def _change(wave_id: int, action: str):
    session = get_session()
    wave = session.get(Wave, wave_id) if wave_id <= MAX_ID else None
    if wave is None or wave.is_demo:
        abort(404)
    version = session.get(QuestionnaireVersion, wave.questionnaire_version_id)
    try:
        if action == "close_wave":
            old, new = close_now(session, wave)
        else:
            closes = parse_local(text_param(request.form, "closes"), "Lukker")
            old, new = move_closing(session, wave, closes)
    except WaveError as exc:
        session.rollback()
        record_staff_action(session, action, f"{version.key}/{wave.key}", outcome="refused")
        session.commit()
        return _render(str(exc), 400)
    record_staff_action(
        session, action, f"{version.key}/{wave.key} lukker {old.isoformat()} -> {new.isoformat()}"
    )
    session.commit()
    flash(f"Runden »{wave.title}« lukker nu {danish_datetime(new)}.")
    return redirect(url_for("wave_admin.index"), 303)


@bp.route("/<int:wave_id>/closes", methods=["POST"])
@roles_required(*WAVE_ROLES)
@path_values_checked
def move(wave_id: int):
    """Move the closing time of an open or coming wave (see wave_changes for the rule)."""
    return _change(wave_id, "change_wave_closing")


@bp.route("/<int:wave_id>/close", methods=["POST"])
@roles_required(*WAVE_ROLES)
@path_values_checked
def close(wave_id: int):
    """Close an open wave now."""
    return _change(wave_id, "close_wave")
