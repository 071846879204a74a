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


@login_manager.user_loader
def _load_user(key: str):
    return load_signed_in(get_session(), key, idle_timeout())


def init_app(app: Flask) -> None:
    """Attach sign-in to the app and register its views."""
    from .views import bp

    login_manager.init_app(app)
    app.register_blueprint(bp)
