"""Staff users: creation, password checks and sign-in sessions that can really be ended."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from ..models import LoginSession, Municipality, User, UserMunicipality, utcnow
from ..waves import as_utc

ROLES = ("admin", "evaluator", "coordinator", "caseworker", "manager")
ROLES_FOR_ALL_MUNICIPALITIES = ("admin", "evaluator")
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Compared against when the email is unknown, so both cases take the same time: a hash in
# the hasher's own parameters that no password gives (written out rather than computed, so
# that starting a process, e.g. the command line, costs no argon2 run and its 64 MB).
_DUMMY_HASH = (
    f"$argon2id$v=19$m={_hasher.memory_cost},t={_hasher.time_cost},p={_hasher.parallelism}$"
    + base64.b64encode(b"\0" * _hasher.salt_len).decode().rstrip("=")
    + "$"
    + base64.b64encode(b"\0" * _hasher.hash_len).decode().rstrip("=")
)


class UserError(ValueError):
    """A user cannot be created as asked; the message says why."""


@dataclass
class SignedInUser:
    """The signed-in user as Flask-Login sees it; the id is the sign-in session's key."""

    user: User
    session_key: str
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_names: tuple[str, ...] = ()

    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.session_key

    @property
    def sees_all_municipalities(self) -> bool:
        return self.user.role in ROLES_FOR_ALL_MUNICIPALITIES


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def create_user(
    session: Session, email: str, role: str, password: str, municipalities: list[Municipality]
) -> User:
    """Create a user; coordinators and caseworkers must belong to at least one municipality."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError(f"'{email}' is not an email address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if role not in ROLES_FOR_ALL_MUNICIPALITIES and not municipalities:
        raise UserError(f"a {role} needs --municipality")
    if session.exec(select(User).where(User.email == email)).first():
        raise UserError(f"a user with email {email} already exists")
    user = User(email=email, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    for municipality in municipalities:
        session.add(UserMunicipality(user_id=user.id, municipality_id=municipality.id))
    session.flush()
    return user


def check_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user and user.active else None


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_login_session(session: Session, user: User) -> str:
    """Open a sign-in session for ``user``; return the key that goes into the cookie."""
    key = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_hash_key(key), user_id=user.id))
    session.flush()
    return key


def end_login_session(session: Session, key: str) -> None:
    """End a sign-in session, so a copy of its cookie no longer works."""
    login = session.get(LoginSession, _hash_key(key))
    if login is not None and login.ended_at is None:
        login.ended_at = utcnow()
        session.add(login)


def load_signed_in(
    session: Session, key: str, idle_timeout: timedelta, max_age: timedelta
) -> SignedInUser | None:
    """The user behind a sign-in key, if the session is not ended, not idle longer than
    ``idle_timeout`` and not older than ``max_age`` (an over-age session is ended)."""
    login = session.get(LoginSession, _hash_key(key))
    if login is None or login.ended_at is not None:
        return None
    now = utcnow()
    if now - as_utc(login.last_seen_at) > idle_timeout or now - as_utc(login.created_at) > max_age:
        login.ended_at = now
        session.add(login)
        session.commit()
        return None
    user = session.get(User, login.user_id)
    if user is None or not user.active:
        return None
    if now - as_utc(login.last_seen_at) > timedelta(seconds=30):
        login.last_seen_at = now
        session.add(login)
        session.commit()
    rows = session.exec(
        select(Municipality)
        .join(UserMunicipality, UserMunicipality.municipality_id == Municipality.id)
        .where(UserMunicipality.user_id == user.id)
        .order_by(Municipality.name)
    ).all()
    return SignedInUser(
        user=user,
        session_key=key,
        municipality_ids=frozenset(m.id for m in rows),
        municipality_names=tuple(m.name for m in rows),
    )
