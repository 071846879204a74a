"""The front page and other pages that belong to no feature."""

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.route("/")
def index():
    """A short page saying what this service is and how answering works."""
    return render_template("index.html")


@bp.route("/healthz")
def health():
    """A liveness check for load balancers."""
    return {"status": "ok"}
