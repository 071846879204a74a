"""Administration pages: the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from .access import AUDIT_ROLES, roles_required
from .audit import record_staff_action
from .db import get_session
from .formatting import COPENHAGEN
from .models import AuditEvent
from .params import BadParameter, date_param, int_param, text_param

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
MAX_PAGE = 1_000_000


@bp.route("/audit")
@roles_required(*AUDIT_ROLES)
def audit_log():
    """Browse and filter the audit log, newest first, 50 events a page."""
    session = get_session()
    filters = {k: text_param(request.args, k) for k in ("actor", "action", "municipality")}
    query = select(AuditEvent)
    if filters["actor"]:
        query = query.where(AuditEvent.actor.contains(filters["actor"].lower()))
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["municipality"]:
        query = query.where(AuditEvent.municipality == filters["municipality"])
    errors = []
    for name, compare in (("from", AuditEvent.at.__ge__), ("to", AuditEvent.at.__lt__)):
        filters[name] = request.args.get(name, "").strip()
        try:
            day = date_param(request.args, name)
        except BadParameter as exc:
            errors.append(exc.description)  # shown above the filter form, which keeps the value
            continue
        if day:
            # Dates are Danish days, as the log shows its times.
            day += timedelta(days=1) if name == "to" else timedelta()
            query = query.where(compare(datetime.combine(day, time(), COPENHAGEN)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = int_param(request.args, "page", maximum=MAX_PAGE, default=1)
    events = session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).scalars()
    actions = session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    record_staff_action(session, "view_audit_log")
    session.commit()
    return render_template(
        "admin/audit.html",
        events=list(events),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        actions=[a for (a,) in actions],
        errors=errors,
    )
