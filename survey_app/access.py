"""Who may see what: the one place where the authorisation rule lives.

Admins and evaluators see every municipality; coordinators and caseworkers only their own.
Every dashboard view, export and query asks here.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import true
from sqlmodel import Session, select

from .audit import record_staff_action
from .db import get_session
from .models import Municipality
from .registry import find_municipality

DASHBOARD_ROLES = ("admin", "evaluator", "coordinator", "caseworker", "manager")
# Management (ledelsen) enters ledelsestilsyn cases for its own municipality; sees dashboards.
MANAGER_ROLE = "manager"
EXPORT_ROLES = ("admin", "evaluator", "coordinator")
# Bound by a data agreement: may export row-level anonymous answers of groups of any size.
SMALL_GROUP_EXPORT_ROLES = ("admin", "evaluator")
# Open answers (free text) on dashboards, and identifying open answers anywhere: the roles bound
# by a data agreement, as for small groups.
OPEN_ANSWER_ROLES = SMALL_GROUP_EXPORT_ROLES
INVITE_ROLES = ("admin", "coordinator")
AUDIT_ROLES = ("admin",)


def _deny(action: str, municipality: str | None = None):
    session = get_session()
    session.rollback()
    record_staff_action(session, action, municipality=municipality, outcome="denied")
    session.commit()
    abort(403)


def roles_required(*roles: str):
    """Only signed-in users with one of ``roles`` get through; others get 403 (logged)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.user.role not in roles:
                _deny("access_denied")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def may_see(user, municipality_id: int) -> bool:
    """Whether ``user`` may see data of this municipality."""
    return user.sees_all_municipalities or municipality_id in user.municipality_ids


def municipality_condition(user, column):
    """A WHERE condition restricting ``column`` (a municipality id) to what ``user`` may see."""
    if user.sees_all_municipalities:
        return true()
    return column.in_(sorted(user.municipality_ids))


def visible_municipalities(session: Session, user) -> list[Municipality]:
    """The municipalities ``user`` may see, by name."""
    query = select(Municipality).where(municipality_condition(user, Municipality.id))
    return list(session.exec(query.order_by(Municipality.name)))


def requested_municipality(session: Session, user, name: str | None, action: str):
    """The municipality named in a request, checked: 404 if unknown, 403 (logged) if foreign.

    None when no municipality was asked for (the caller then shows what the user may see).
    """
    if not name:
        return None
    municipality = find_municipality(session, name)
    if municipality is None:
        abort(404)
    if not may_see(user, municipality.id):
        _deny(action, municipality.name)
    return municipality


def may_export_small_groups(user) -> bool:
    """Whether ``user`` may export row-level anonymous answers of a municipality with fewer
    respondents than the suppression threshold (evaluators and admins; not coordinators)."""
    return user.user.role in SMALL_GROUP_EXPORT_ROLES


def may_see_open_answers(user) -> bool:
    """Whether ``user`` may read open answers on dashboards and receive identifying open
    answers in exports (evaluators and admins; not coordinators or caseworkers)."""
    return user.user.role in OPEN_ANSWER_ROLES


def may_invite(user, municipality_id: int) -> bool:
    """Admins may create invitations anywhere, coordinators in their own municipality."""
    if user.user.role == "admin":
        return True
    return user.user.role == "coordinator" and municipality_id in user.municipality_ids
