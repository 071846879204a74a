"""The survey app: versioned questionnaires answered by link, stored and exported for analysis."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from . import db
from .config import load_config
from .extensions import (
    CONTENT_SECURITY_POLICY,
    REFERRER_POLICY,
    KeptSerializerSessionInterface,
    babel,
    csrf,
    limiter,
    select_locale,
    talisman,
)


def create_app(config: dict | None = None) -> Flask:
    """Application factory: settings from ``SURVEY_APP_*`` variables, overridden by ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), config))

    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; the rate limits
        # would otherwise see the proxy as one client for everyone.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = KeptSerializerSessionInterface()
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(lambda: {"lang": str(get_locale() or "da")})
    csrf.init_app(app)
    limiter.init_app(app)
    from .rate_limits import check_limits_in_views_only

    check_limits_in_views_only(app)
    talisman.init_app(
        app,
        force_https=app.config["ENV_NAME"] == "production",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        strict_transport_security=app.config["ENV_NAME"] == "production",
        referrer_policy=REFERRER_POLICY,
    )

    from . import auth
    from .access import EXPORT_ROLES, OPEN_ANSWER_ROLES
    from .admin import bp as admin_bp
    from .answering.views import bp as answering_bp
    from .authoring.views import bp as authoring_bp
    from .dashboards.views import bp as dashboards_bp
    from .dashboards.wave_admin import bp as wave_admin_bp
    from .errors import register_error_handlers
    from .exports.views import bp as exports_bp
    from .formatting import register_filters
    from .kiosk.views import bp as kiosk_bp
    from .labels import register_labels
    from .mail.views import bp as mail_bp
    from .pages import bp as pages_bp
    from .trials.views import bp as trials_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(answering_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(wave_admin_bp)
    app.register_blueprint(trials_bp)
    auth.init_app(app)
    register_error_handlers(app)
    register_filters(app)
    register_labels(app)
    app.jinja_env.globals["EXPORT_ROLES"] = EXPORT_ROLES
    app.jinja_env.globals["OPEN_ANSWER_ROLES"] = OPEN_ANSWER_ROLES
    return app


# The templates of the pages a respondent sees by link.
RESPONDENT_TEMPLATES = ("base.html", "questions.html", "answer.html", "received.html", "error.html")


def warm_up(app: Flask) -> None:
    """Compile the respondent page templates and configure the ORM mappers now, so that a
    server worker's first respondents do not wait for it (``wsgi.py`` calls this)."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for name in RESPONDENT_TEMPLATES:
        app.jinja_env.get_template(name)
