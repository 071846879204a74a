"""plotly.js is sent compressed, under a URL naming its content, and cached for long."""

from __future__ import annotations

import gzip
import re

from tests.conftest import signed_in_client

SCRIPT = re.compile(r'<script src="(/assets/plotly-[0-9a-f]{16}\.min\.js)"></script>')


def plotly_path(app) -> str:
    page = signed_in_client(app, "evaluator").get("/dashboard/progression/en-plan").text
    match = SCRIPT.search(page)
    assert match, "no plotly script on a page with a chart"
    return match.group(1)


def test_plotly_is_gzipped_for_browsers_that_accept_it_and_cached_for_a_year(app):
    path = plotly_path(app)
    client = app.test_client()
    reply = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert reply.status_code == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    cache = reply.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert "Accept-Encoding" in reply.headers["Vary"]
    script = gzip.decompress(reply.data)
    assert len(reply.data) < len(script) / 2  # 4.8 MB of script, well under half sent
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == script
    assert b"plotly" in script[:2000].lower()


def test_a_stale_digest_is_not_served(app):
    reply = app.test_client().get("/assets/plotly-0000000000000000.min.js")
    assert reply.status_code == 404


def test_the_served_bundle_is_the_plotly_js_the_figures_are_written_for():
    from plotly.offline import get_plotlyjs_version

    from survey_app.pages import plotly_asset

    head = plotly_asset().body[:300].decode()
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}\n" in head
    assert len(plotly_asset().gzipped) < 500_000
