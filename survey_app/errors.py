"""Error pages: plain Danish, the right status code, never a stack trace."""

from __future__ import annotations

import math

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .params import BadParameter

MESSAGES = {
    400: (
        _l("Forespørgslen kunne ikke behandles"),
        _l("Siden fik data, den ikke kunne bruge. Intet er gemt."),
    ),
    403: (_l("Ingen adgang"), _l("Du har ikke adgang til denne side.")),
    404: (_l("Siden findes ikke"), _l("Linket er ukendt. Tjek, at du har kopieret hele linket.")),
    405: (_l("Ikke tilladt"), _l("Den handling kan ikke bruges her.")),
    413: (_l("For meget data"), _l("Forespørgslen var for stor. Intet er gemt.")),
    429: (
        _l("For mange forsøg"),
        _l("Der er kommet for mange forkerte links fra din forbindelse. Vent lidt, og prøv igen."),
    ),
    500: (
        _l("Der opstod en fejl"),
        _l("Der skete en fejl hos os. Intet er gået tabt af det, der var gemt."),
    ),
}

# Flask-WTF's reasons when the form is genuine but the session or token has only grown old.
RECOVERABLE_CSRF_REASONS = {"The CSRF token has expired.", "The CSRF session token is missing."}


def error_page(status: int, detail: str | None = None):
    """Render the error page for ``status`` with an optional extra sentence."""
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", title=title, message=message, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        if request.endpoint == "answering.answer" and error.description in RECOVERABLE_CSRF_REASONS:
            from .answering.views import form_after_expired_session

            return form_after_expired_session(request.view_args["token"])
        return error_page(
            400,
            _(
                "Formularen manglede et gyldigt sikkerhedstegn (CSRF). Intet er gemt. "
                "Gå tilbage, genindlæs siden, og prøv igen."
            ),
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        from .rate_limits import seconds_until_retry

        seconds = seconds_until_retry()
        page = render_template(
            "error.html",
            title=MESSAGES[429][0],
            message=error.description,
            detail=_("Vent %(minutes)s minut(ter), og prøv igen.", minutes=math.ceil(seconds / 60)),
        )
        return page, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        detail = error.description if isinstance(error, BadParameter) else None
        return error_page(error.code or 500, detail)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        return error_page(500)
