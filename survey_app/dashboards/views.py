"""Dashboards for evaluators and coordinators: fieldwork, wave comparison, progression."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from ..access import (
    DASHBOARD_ROLES,
    INVITE_ROLES,
    may_invite,
    requested_municipality,
    roles_required,
    visible_municipalities,
)
from ..audit import record
from ..db import get_session
from ..invitations import InvitationError, create_invitations
from ..waves import find_wave
from .fieldwork import all_waves, fieldwork_rows

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def audit_view(action: str, target: str = "", municipality: str | None = None) -> None:
    """Log a dashboard view by the signed-in user (committed with the request)."""
    record(
        get_session(),
        action,
        actor=current_user.user.email,
        user_id=current_user.user.id,
        target=target or request.full_path.rstrip("?"),
        municipality=municipality,
    )


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
        rows=rows,
        waves=all_waves(session) if can_invite else [],
        municipalities=[m for m in places if may_invite(current_user, m.id)],
        can_invite=can_invite,
    )


@bp.route("/invitations", methods=["POST"])
@roles_required(*INVITE_ROLES)
def create_invitation_links():
    """Create invitation links for a wave and municipality and download them as CSV."""
    session = get_session()
    questionnaire, wave_key = request.form.get("wave", "/").partition("/")[::2]
    municipality = requested_municipality(
        session, current_user, request.form.get("municipality"), "create_invitations"
    )
    if municipality is None:
        abort(400)
    if not may_invite(current_user, municipality.id):
        abort(403)
    wave = find_wave(session, questionnaire, wave_key)
    if wave is None:
        abort(400)
    try:
        count = int(request.form.get("count", ""))
        issued = create_invitations(
            session, wave, municipality, count, current_app.config["BASE_URL"]
        )
    except (ValueError, InvitationError):
        abort(400)
    record(
        session,
        "create_invitations",
        actor=current_user.user.email,
        user_id=current_user.user.id,
        target=f"{questionnaire}/{wave_key} x{count}",
        municipality=municipality.name,
    )
    session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["token", "url"])
    writer.writerows([i.token, i.url] for i in issued)
    filename = f"invitationer-{questionnaire}-{wave_key}-{municipality.name}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
