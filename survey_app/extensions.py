"""Flask extensions, created unbound and attached in create_app."""

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
LANGUAGES = ("da", "en")


# Pages citizens and respondents see; staff pages are always Danish.
RESPONDENT_BLUEPRINTS = ("answering", "pages")


def select_locale() -> str:
    """Danish first; English on respondent pages when chosen (``?lang=en``, or on the tablet)."""
    if session.get("kiosk_id") or session.get("kiosk_sent"):
        return session.get("lang", "da")
    if request.blueprint not in RESPONDENT_BLUEPRINTS and request.endpoint is not None:
        return "da"
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
    return session.get("lang", "da")


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, unchanged, but its serializer is made once per set of
    keys instead of twice per request (making one also serializes a test value)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        """The serializer Flask would make for the app's current keys, kept."""
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

# Browsers send only the origin (``https://host/``), never a path: a link's token cannot leak
# in a Referer, while Flask-WTF's strict same-origin check of HTTPS form posts (which refuses
# a post without a Referer) still passes. "no-referrer" made every form post over HTTPS fail.
REFERRER_POLICY = "strict-origin"

# The one <style> element plotly.js still adds when it loads: the map library's rules (no page
# draws maps), allowed by the hash of its exact text. A new plotly version changes the hash; the
# browser tests then name the new one.
PLOTLY_MAP_STYLE_HASH = "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"

# Every page uses only files served by the app itself: no inline script or style, no outside
# request. plotly.js's own style rules come from static/plotly.css (see templates/charts.html).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": f"'self' {PLOTLY_MAP_STYLE_HASH}",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
