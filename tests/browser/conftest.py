"""Browser fixtures: the app on a live local server and Debian's Chromium driven by Playwright.

The browser tests skip when Chromium or the ``playwright`` package is missing, unless
``SURVEY_APP_REQUIRE_BROWSER=1`` is set (as in CI): then they fail, so a broken browser
set-up cannot pass unnoticed. No browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

TABLET = {"width": 768, "height": 1024}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, else ``chromium`` on PATH."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the Python playwright package is not installed ({exc}); pip install playwright"
    if chromium_path() is None:
        return (
            "Chromium is not installed (no /usr/bin/chromium, no chromium on PATH); "
            "apt-get install chromium"
        )
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; skipped (or failed in CI) if unavailable."""
    reason = browser_unavailable_reason()
    if reason:
        if os.environ.get("SURVEY_APP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SURVEY_APP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served over HTTP on a free local port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def new_context(browser):
    """Open browser contexts at the tablet viewport (closed after the test).

    ``new_context(touch=True)`` is a touch tablet; ``new_context()`` one with a keyboard and
    mouse. Other keyword arguments go to ``browser.new_context``.
    """
    contexts = []

    def open_context(touch: bool = False, **options):
        options.setdefault("viewport", TABLET)
        options.setdefault("locale", "da-DK")
        if touch:
            options.update(has_touch=True, is_mobile=True)
        context = browser.new_context(**options)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def touch_page(new_context):
    """A page in a touch tablet context (768x1024, touch, mobile)."""
    return new_context(touch=True).new_page()


@pytest.fixture
def keyboard_page(new_context):
    """A page in a plain 768x1024 context, for keyboard use."""
    return new_context().new_page()
