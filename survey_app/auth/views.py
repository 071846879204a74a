"""Sign-in at /login and sign-out at POST /logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import record
from ..db import get_session
from ..params import text_param
from ..rate_limits import limit_failed_sign_ins
from . import signed_in_user
from .users import check_password, end_login_session, start_login_session

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes to the dashboard."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("dashboards.fieldwork")


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_sign_ins
def login():
    """The sign-in form; failures are logged and, when repeated, slowed down (429)."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("auth/login.html", next=request.args.get("next", ""))
    db = get_session()
    email = text_param(request.form, "email", max_length=254)
    user = check_password(db, email, request.form.get("password", ""))
    if user is None:
        record(db, "sign_in", actor=email or "(tom)", outcome="failed")
        db.commit()
        return (
            render_template(
                "auth/login.html",
                next=request.form.get("next", ""),
                email=email,
                error="Forkert e-mail eller adgangskode.",
            ),
            401,
        )
    session.clear()  # a new session at sign-in: nothing carries over from before
    key = start_login_session(db, user)
    record(db, "sign_in", actor=user.email, user_id=user.id)
    db.commit()
    login_user(signed_in_user(key))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the sign-in session in the database and clear the cookie."""
    db = get_session()
    end_login_session(db, current_user.session_key)
    record(db, "sign_out", actor=current_user.user.email, user_id=current_user.user.id)
    db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", logged_out=1))
