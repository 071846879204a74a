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
import json
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import defer
from sqlmodel import Session

from ..invitations import hash_token
from ..models import Invitation, LinkDraft, QuestionnaireVersion, SpentLink, Wave, utcnow

MAX_TOKEN_LENGTH = 100


def link_seal(seal_key: str, token_hash: str) -> str:
    """The seal that used-marks and drafts of the link with this token hash are stored under."""
    return hmac.new(seal_key.encode(), token_hash.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class FoundLink:
    """A link's invitation, wave and questionnaire version, and its state when looked up:
    used or not, and the answers saved part-way on it (JSON) if any."""

    invitation: Invitation
    wave: Wave
    version: QuestionnaireVersion
    spent: bool
    draft: str | None


def find_link(session: Session, token: str, seal_key: str) -> FoundLink | None:
    """Everything about a link in one query; None for an unknown or malformed token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    token_hash = hash_token(token)
    parameters = {"token_hash": token_hash, "seal": link_seal(seal_key, token_hash)}
    row = session.execute(_link_query(), parameters).first()
    if row is None:
        return None
    invitation, wave, version, spent_seal, draft = row
    return FoundLink(invitation, wave, version, spent_seal is not None, draft)


@functools.cache
def _link_query():
    """The query behind ``find_link``, built once (every link page runs it). The stored
    definition is loaded only when its parsed form is not cached yet (``definition_of``)."""
    seal = bindparam("seal")
    return (
        select(Invitation, Wave, QuestionnaireVersion, SpentLink.seal, LinkDraft.answers)
        .join(Wave, Wave.id == Invitation.wave_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
        .outerjoin(SpentLink, SpentLink.seal == seal)
        .outerjoin(LinkDraft, LinkDraft.seal == seal)
        .where(Invitation.token_hash == bindparam("token_hash"))
        .options(defer(QuestionnaireVersion.definition))
    )


def _insert(session: Session, table):
    """An INSERT that understands ON CONFLICT on both supported databases."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _link_values(seal: str, invitation: Invitation) -> dict:
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


def spend(session: Session, seal: str, invitation: Invitation) -> bool:
    """Mark the link used and drop its draft; False if it was used already (nothing changes).

    Two simultaneous submissions race on the primary key: the database lets one insert win.
    """
    dialect = session.get_bind().dialect.name
    result = session.execute(_spend_statement(dialect), _link_values(seal, invitation))
    if result.first() is None:
        return False
    session.execute(_drop_draft_statement(), {"seal": seal})
    return True


@functools.cache
def _spend_statement(dialect: str):
    """INSERT of a used-mark that does nothing if the seal is there already, built once."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    table = SpentLink.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["seal"]).returning(table.c.seal)


@functools.cache
def _drop_draft_statement():
    return delete(LinkDraft.__table__).where(LinkDraft.__table__.c.seal == bindparam("seal"))


def keep_draft(session: Session, seal: str, invitation: Invitation, answers: dict) -> None:
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
