"""The audit log: who did what, when, for which municipality. Rows are only ever added."""

from __future__ import annotations

from sqlmodel import Session

from .models import AuditEvent


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
    """Add one audit event to the session (committed with the request's work, or alone)."""
    event = AuditEvent(
        user_id=user_id,
        actor=actor[:254],
        action=action,
        target=target[:300],
        municipality=municipality,
        outcome=outcome,
    )
    session.add(event)
    return event
