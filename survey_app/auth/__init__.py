"""Sign-in for staff with Flask-Login; sessions live in the database so sign-out is real."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from flask_login import LoginManager

from ..db import get_session
from .users import load_signed_in

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log ind for at se siden."
login_manager.login_message_category = "info"


def idle_timeout() -> timedelta:
    """How long a sign-in may be idle before it ends."""
    return timedelta(minutes=current_app.config["IDLE_TIMEOUT_MINUTES"])


def max_session_age() -> timedelta:
    """How long a sign-in may last at most, however active, before it ends."""
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


@login_manager.user_loader
def signed_in_user(key: str):
    """The user behind a sign-in key, within the idle timeout and the absolute lifetime."""
    return load_signed_in(get_session(), key, idle_timeout(), max_session_age())


def init_app(app: Flask) -> None:
    """Attach sign-in to the app and register its views."""
    from .views import bp

    login_manager.init_app(app)
    app.register_blueprint(bp)
