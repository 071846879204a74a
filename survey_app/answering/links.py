"""What happens to a link when it is used, kept where no database reader can tie it to the link.

An anonymous response must not be traceable to the invitation it came from, not even by someone
who can read every table and knows who got which link. So using a link never writes to its
invitation row: the used-mark (``spent_link``) and the answers saved part-way (``link_draft``)
are stored under the link's *seal*, an HMAC of the token hash with the seal key. The key lives
in the app's configuration, never in the database, so the seal cannot be matched to an
invitation without it. The used-mark is written in the same transaction as the response (which
is what makes submission happen exactly once), and both share that transaction's id, but the
invitation row keeps the id, position and time it had when it was created.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session

from ..db import conflict_insert
from ..invitations import hash_token
from ..models import Invitation, LinkDraft, QuestionnaireVersion, SpentLink, Wave, utcnow
from ..registry import is_parsed

MAX_TOKEN_LENGTH = 100


def link_seal(seal_key: str, token_hash: str) -> str:
    """The seal that used-marks and drafts of the link with this token hash are stored under."""
    return hmac.new(seal_key.encode(), token_hash.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class LinkInvitation:
    """An invitation's row as the link pages read it (plain values, no ORM instance)."""

    id: int
    token_hash: str
    wave_id: int
    municipality_id: int
    respondent_key: str | None
    created_at: datetime
    is_demo: bool


@dataclass(frozen=True, slots=True)
class LinkWave:
    """A wave's row as the link pages read it (plain values, no ORM instance)."""

    id: int
    questionnaire_version_id: int
    key: str
    title: str
    title_en: str | None
    opens_at: datetime
    closes_at: datetime
    is_demo: bool

    def title_in(self, language: str) -> str:
        """The title in ``language``, as ``Wave.title_in`` gives it."""
        return Wave.title_in(self, language)


@dataclass(frozen=True, slots=True)
class LinkVersion:
    """A questionnaire version's row as the link pages read it. ``definition`` (the stored
    JSON) is only read when its parsed form is not cached yet; else it is None."""

    id: int
    key: str
    version: int
    title: str
    audience: str
    anonymous: bool
    repeated: bool
    fingerprint: str
    loaded_at: datetime
    definition: str | None = None


@dataclass(frozen=True)
class FoundLink:
    """A link's invitation, wave and questionnaire version, and its state when looked up:
    used or not, and the answers saved part-way on it (JSON) if any."""

    invitation: LinkInvitation
    wave: LinkWave
    version: LinkVersion
    spent: bool
    draft: str | None


def find_link(session: Session, token: str, seal_key: str) -> FoundLink | None:
    """Everything about a link in one query; None for an unknown or malformed token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    token_hash = hash_token(token)
    parameters = {"token_hash": token_hash, "seal": link_seal(seal_key, token_hash)}
    connection = session.connection()
    row = connection.execute(_link_query(), parameters).first()
    if row is None:
        return None
    ends = _LINK_COLUMN_ENDS
    invitation = LinkInvitation(*row[: ends[0]])
    wave = LinkWave(*row[ends[0] : ends[1]])
    version = LinkVersion(*row[ends[1] : ends[2]])
    if not is_parsed(version.fingerprint):  # the first link of this version in this process
        stored = connection.execute(_definition_query(), {"id": version.id}).scalar_one()
        version = replace(version, definition=stored)
    spent_seal, draft = row[ends[2] :]
    return FoundLink(invitation, wave, version, spent_seal is not None, draft)


def _columns(table, row_class) -> list:
    """The table's columns holding ``row_class``'s fields, in field order (definition aside)."""
    return [table.c[f.name] for f in fields(row_class) if f.name != "definition"]


_LINK_TABLES = (
    (Invitation.__table__, LinkInvitation),
    (Wave.__table__, LinkWave),
    (QuestionnaireVersion.__table__, LinkVersion),
)
_LINK_COLUMN_ENDS = tuple(
    itertools.accumulate(len(_columns(table, row_class)) for table, row_class in _LINK_TABLES)
)


@functools.cache
def _link_query():
    """The query behind ``find_link``, built once (every link page runs it): plain columns,
    so no ORM instances are made. The stored definition is not read here (see find_link)."""
    invitation, wave, version = (table for table, _ in _LINK_TABLES)
    spent, draft = SpentLink.__table__, LinkDraft.__table__
    seal = bindparam("seal")
    columns = [c for table, row_class in _LINK_TABLES for c in _columns(table, row_class)]
    return (
        select(*columns, spent.c.seal, draft.c.answers)
        .select_from(invitation)
        .join(wave, wave.c.id == invitation.c.wave_id)
        .join(version, version.c.id == wave.c.questionnaire_version_id)
        .outerjoin(spent, spent.c.seal == seal)
        .outerjoin(draft, draft.c.seal == seal)
        .where(invitation.c.token_hash == bindparam("token_hash"))
    )


@functools.cache
def _definition_query():
    table = QuestionnaireVersion.__table__
    return select(table.c.definition).where(table.c.id == bindparam("id"))


def _insert(session: Session, table):
    """An INSERT that understands ON CONFLICT on the database in use."""
    return conflict_insert(session.get_bind().dialect.name, table)


def _link_values(seal: str, invitation: Invitation | LinkInvitation) -> dict:
    """What a used-mark or draft keeps beside its seal: the group it counts in, and demo or not."""
    return {
        "seal": seal,
        "wave_id": invitation.wave_id,
        "municipality_id": invitation.municipality_id,
        "is_demo": invitation.is_demo,
    }


def is_spent(session: Session, seal: str) -> bool:
    """Whether the link with this seal has been used to submit."""
    return session.get(SpentLink, seal) is not None


def spend(session: Session, seal: str, invitation: Invitation | LinkInvitation) -> bool:
    """Mark the link used and drop its draft; False if it was used already (nothing changes).

    Two simultaneous submissions race on the primary key: the database lets one insert win.
    On PostgreSQL the used-mark and the draft go in one statement.
    """
    connection = session.connection()  # Core statements: no ORM work needed
    dialect = connection.dialect.name
    result = connection.execute(_spend_statement(dialect), _link_values(seal, invitation))
    if result.first() is None:
        return False
    if dialect != "postgresql":
        connection.execute(_drop_draft_statement(), {"seal": seal})
    return True


@functools.cache
def _spend_statement(dialect: str):
    """INSERT of a used-mark that does nothing if the seal is there already, built once; on
    PostgreSQL it also deletes the draft, only when the used-mark went in."""
    table = SpentLink.__table__
    statement = conflict_insert(dialect, table).on_conflict_do_nothing(index_elements=["seal"])
    if dialect != "postgresql":
        return statement.returning(table.c.seal)
    values = {name: bindparam(name) for name in ("seal", "wave_id", "municipality_id", "is_demo")}
    spent = statement.values(values).returning(table.c.seal).cte("spent")
    drafts = LinkDraft.__table__
    dropped = delete(drafts).where(drafts.c.seal.in_(select(spent.c.seal))).cte("dropped")
    return select(spent.c.seal).add_cte(dropped)


@functools.cache
def _drop_draft_statement():
    return delete(LinkDraft.__table__).where(LinkDraft.__table__.c.seal == bindparam("seal"))


def keep_draft(
    session: Session, seal: str, invitation: Invitation | LinkInvitation, answers: dict
) -> None:
    """Save answers part-way on the link, replacing what was saved before."""
    values = {"answers": json.dumps(answers), "saved_at": utcnow()}
    session.execute(
        _insert(session, LinkDraft)
        .values(**_link_values(seal, invitation), **values)
        .on_conflict_do_update(index_elements=["seal"], set_=values)
    )


def forget_links(session: Session, seal_key: str, invitations: list[Invitation]) -> None:
    """Delete the used-marks and drafts of these invitations (when the invitations go)."""
    seals = [link_seal(seal_key, invitation.token_hash) for invitation in invitations]
    for table in (SpentLink, LinkDraft):
        session.execute(delete(table).where(table.seal.in_(seals)))
