"""The front page and other pages that belong to no feature."""

from functools import lru_cache

from flask import Blueprint, Response, render_template

bp = Blueprint("pages", __name__)


@bp.route("/")
def index():
    """A short page saying what this service is and how answering works."""
    return render_template("index.html")


@bp.route("/assets/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package, so no page makes an outside request."""
    response = Response(_plotly_source(), mimetype="application/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@lru_cache(maxsize=1)
def _plotly_source() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@bp.route("/healthz")
def health():
    """A liveness check for load balancers."""
    return {"status": "ok"}
