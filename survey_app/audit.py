"""The audit log: who did what, when, for which municipality. Rows are only ever added."""

from __future__ import annotations

from sqlmodel import Session

from .models import AuditEvent
from .params import escape_control_characters


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    user_id: int | None = None,
    target: str = "",
    municipality: str | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Add one audit event to the session (committed with the request's work, or alone).

    Control characters in the actor and target (which may come from a crafted request) are
    stored escaped, so the event is always written.
    """
    event = AuditEvent(
        user_id=user_id,
        actor=escape_control_characters(actor)[:254],
        action=action,
        target=escape_control_characters(target)[:300],
        municipality=municipality,
        outcome=outcome,
    )
    session.add(event)
    return event


def record_staff_action(
    session: Session,
    action: str,
    target: str = "",
    municipality: str | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Add an audit event for the signed-in staff user; the target defaults to the
    requested path with its query."""
    from flask import request
    from flask_login import current_user

    return record(
        session,
        action,
        actor=current_user.user.email,
        user_id=current_user.user.id,
        target=target or request.full_path.rstrip("?"),
        municipality=municipality,
        outcome=outcome,
    )
