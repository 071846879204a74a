"""Content-Security-Policy without 'unsafe-inline': no page, template or script needs inline
styles; plotly.js's own style rules come from static/plotly.css."""

from __future__ import annotations

import re
from pathlib import Path

from survey_app.extensions import PLOTLY_MAP_STYLE_HASH
from tests.conftest import invite, open_wave, signed_in_client

APP_DIR = Path(__file__).resolve().parent.parent / "survey_app"


def style_src(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    [directive] = [d.strip() for d in policy.split(";") if d.strip().startswith("style-src")]
    return directive


def test_no_page_allows_inline_styles(app):
    open_wave(app)
    [token] = invite(app)
    anonymous = app.test_client()
    evaluator = signed_in_client(app, "evaluator")
    replies = [
        anonymous.get(f"/s/{token}"),
        anonymous.get("/s/unknown-token"),
        anonymous.get("/login"),
        anonymous.get("/"),
        evaluator.get("/dashboard/"),
        evaluator.get("/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020"),
        evaluator.get("/dashboard/progression/en-plan"),
    ]
    for reply in replies:
        assert reply.status_code in (200, 404), reply.request.path
        assert "unsafe-inline" not in reply.headers["Content-Security-Policy"]
        assert style_src(reply) == f"style-src 'self' {PLOTLY_MAP_STYLE_HASH}"


def test_templates_have_no_inline_styles():
    for template in (APP_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\sstyle\s*=", text), f"{template.name} has a style attribute"
        assert "<style" not in text, f"{template.name} has a <style> element"


def test_plotly_css_belongs_to_the_served_plotly_js():
    from survey_app.pages import plotly_asset

    head = plotly_asset().body[:500].decode()
    version = re.search(r"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", head).group(1)
    css = (APP_DIR / "static" / "plotly.css").read_text()
    assert f"plotly.js v{version} " in css, "renew static/plotly.css for the new plotly.js"
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;" in css


def test_chart_pages_link_plotly_css_before_plotly_js(app):
    evaluator = signed_in_client(app, "evaluator")
    html = evaluator.get("/dashboard/compare/ledighedsydelse/jan-2019/sommer-2020").text
    link = html.index('id="plotly.js-style-global" class="no-inline-styles"')
    assert link < html.index("/assets/plotly-")
