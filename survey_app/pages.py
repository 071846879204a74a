"""The front page and other pages that belong to no feature."""

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from analysis.plots import page_template

bp = Blueprint("pages", __name__)

# The asset's URL names its content, so browsers may keep it for a year without asking again.
ASSET_MAX_AGE = 365 * 24 * 3600


@bp.route("/")
def index():
    """A short page saying what this service is and how answering works."""
    return render_template("index.html")


@dataclass(frozen=True)
class Asset:
    """A script served from memory: its bytes, gzip-compressed bytes and a content digest."""

    body: bytes
    gzipped: bytes
    digest: str


PLOTLY_BUNDLE = Path(__file__).parent / "vendor" / "plotly-basic.min.js"


@lru_cache(maxsize=1)
def plotly_asset() -> Asset:
    """plotly.js, compressed once per process: the official "basic" bundle (bar, scatter and
    pie charts, the only ones drawn here; 0.4 MB gzipped against 1.5 MB for the full bundle),
    vendored at the version of plotly.js that the installed plotly package writes figures for
    (tests/test_assets.py checks that they match)."""
    body = PLOTLY_BUNDLE.read_bytes()
    return Asset(body, gzip.compress(body, 6, mtime=0), hashlib.sha256(body).hexdigest()[:16])


@bp.app_template_global()
def plotly_url() -> str:
    """The URL of plotly.js; it changes whenever the file's content does."""
    return url_for("pages.plotly_js", digest=plotly_asset().digest)


@bp.app_template_global()
@lru_cache(maxsize=1)
def plotly_template() -> Markup:
    """Plotly's default template as compact JSON, safe inside a script element: the page's
    figures leave it out and charts.js gives it to each of them."""
    return htmlsafe_json_dumps(page_template(), dumps=json.dumps, separators=(",", ":"))


@bp.route("/assets/plotly-<digest>.min.js")
def plotly_js(digest: str):
    """plotly.js, so no page makes an outside request: gzip-compressed when the browser
    accepts it, and cacheable for a year because the URL carries the content's digest."""
    asset = plotly_asset()
    if digest != asset.digest:
        abort(404)
    compressed = request.accept_encodings.quality("gzip") > 0
    response = Response(
        asset.gzipped if compressed else asset.body, mimetype="application/javascript"
    )
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    response.cache_control.immutable = True
    return response


@bp.route("/healthz")
def health():
    """A liveness check for load balancers."""
    return {"status": "ok"}
