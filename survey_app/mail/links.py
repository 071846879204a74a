"""Personal mail links, rebuilt from a key in the configuration and never stored.

token = "m" + base64url(HMAC-SHA256(MAIL_LINK_KEY, link_nonce)). The nonce is random and stored on
the participant; the key is not in the database. A database reader therefore sees the nonce and
the token's SHA-256 (on the invitation) but can neither compute the token nor reverse the hash.
The leading "m" keeps the token from ever starting like a spreadsheet formula.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from ..invitations import answer_url, hash_token


def new_nonce() -> str:
    """A fresh random nonce for one participant's link (128 bits, hex)."""
    return secrets.token_hex(16)


def participant_token(link_key: str, nonce: str) -> str:
    """The answering token of the participant with ``nonce``."""
    digest = hmac.new(link_key.encode(), nonce.encode(), hashlib.sha256).digest()
    return "m" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def participant_token_hash(link_key: str, nonce: str) -> str:
    """The stored form (SHA-256) of the participant's token."""
    return hash_token(participant_token(link_key, nonce))


def participant_link(base_url: str, link_key: str, nonce: str) -> str:
    """The personal answering link."""
    return answer_url(base_url, participant_token(link_key, nonce))


def opt_out_link(base_url: str, link_key: str, nonce: str) -> str:
    """The link to the page where the participant says no to reminders."""
    return f"{base_url.rstrip('/')}/paamindelser/{participant_token(link_key, nonce)}"
