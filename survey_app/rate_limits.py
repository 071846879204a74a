"""Rate limits: slow down guessing of answering links and passwords, and nothing else.

Only what is guessed is counted and blocked, so one guessing machine behind an office's shared
address does not lock out its colleagues:

- answering links: unknown links per client address (``TOKEN_GUESS_LIMIT``). The count is only
  checked for a link that does not exist; a link that exists always opens.
- sign-in: failed sign-ins per account (``LOGIN_FAILURE_LIMIT``), per address and account
  (``LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT``) and, much higher, per address over all accounts
  (``LOGIN_ADDRESS_FAILURE_LIMIT``). A colleague signing in to another account from the same
  address is only stopped by the per-address ceiling.

A refused request gets HTTP 429 with ``Retry-After`` (seconds). The counts live in
``RATELIMIT_STORAGE_URI`` (Redis in production, see ``config``).
"""

from __future__ import annotations

import functools
import time

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from .answering.links import find_link
from .auth.users import normalise_email
from .db import get_session
from .extensions import limiter


def _config(name: str):
    return lambda: current_app.config[name]


def _account() -> str:
    return "account:" + (normalise_email(request.form.get("email", "")) or "(tom)")


def _address_and_account() -> str:
    return get_remote_address() + "|" + _account()


def _token_exists() -> bool:
    token = (request.view_args or {}).get("token", "")
    found = find_link(get_session(), token, current_app.config["SEAL_KEY"])
    g.link_lookup = (token, found)  # the view reads it rather than asking the database again
    return found is not None


def _failed_sign_in(response) -> bool:
    return response.status_code == 401


def _unknown_link(response) -> bool:
    return response.status_code == 404


UNKNOWN_LINKS_MESSAGE = _l("Der er kommet for mange forkerte links fra din forbindelse.")
FAILED_SIGN_INS_MESSAGE = "Der har været for mange mislykkede forsøg på at logge ind."


def limit_unknown_links(view):
    """Decorate a view behind a personal link: unknown links are counted per address and
    refused with 429 once too many; a link that exists always opens, without the limiter."""
    limited = limiter.limit(
        _config("TOKEN_GUESS_LIMIT"),
        deduct_when=_unknown_link,
        scope="tokens",
        error_message=lambda: str(UNKNOWN_LINKS_MESSAGE),
    )(view)

    # The limiter is only consulted for a link that does not exist: for the others it would
    # resolve its limits and exemptions at every respondent's request only to let it pass.
    @functools.wraps(view)
    def known_links_pass(*args, **kwargs):
        return view(*args, **kwargs) if _token_exists() else limited(*args, **kwargs)

    return known_links_pass


def limit_failed_sign_ins(view):
    """Decorate the sign-in view: failed sign-ins are counted per account, per address and
    account, and per address; only POSTs are checked."""
    limits = [
        ("LOGIN_FAILURE_LIMIT", _account, "login-account"),
        ("LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT", _address_and_account, "login-address-account"),
        ("LOGIN_ADDRESS_FAILURE_LIMIT", get_remote_address, "login-address"),
    ]
    for setting, key_func, scope in limits:
        view = limiter.limit(
            _config(setting),
            key_func=key_func,
            methods=["POST"],
            deduct_when=_failed_sign_in,
            scope=scope,
            error_message=FAILED_SIGN_INS_MESSAGE,
        )(view)
    return view


def check_limits_in_views_only(app) -> None:
    """Remove flask-limiter's own check before every request (after ``limiter.init_app``).

    Every limit of this app is on a view and is checked by its decorator; the hook only adds
    application-wide and default limits, of which there are none, yet it resolves them at
    every request (a few per cent of a link page's time). Refuses to start if such limits are
    configured after all, so that they cannot be silently skipped.
    """
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        raise RuntimeError("application-wide or default rate limits need flask-limiter's hook")
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not there when the limiter is switched off
        hooks.remove(limiter._check_request_limit)


def seconds_until_retry() -> int:
    """Seconds until the limit that refused this request lets it through again (at least 1)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))
