"""Flask extensions, created unbound and attached in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

# Every page uses only files served by the app itself: no inline script, no outside request.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    # plotly.js adds its own <style> elements when it draws a figure
    "style-src": "'self' 'unsafe-inline'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
