"""Database tables (SQLModel). Answers are stored in long form: one row per response and item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    network: str = Field(max_length=60)


class QuestionnaireVersion(SQLModel, table=True):
    """One immutable version of a questionnaire, stored with its canonical definition."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_questionnaire_key_version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, index=True)
    version: int
    title: str = Field(max_length=300)
    audience: str = Field(max_length=20)
    anonymous: bool
    repeated: bool = False
    fingerprint: str = Field(max_length=64)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow)


class Wave(SQLModel, table=True):
    """A round of data collection for one questionnaire version, open between two times."""

    __table_args__ = (UniqueConstraint("questionnaire_version_id", "key", name="uq_wave_key"),)

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id", index=True)
    key: str = Field(max_length=60)
    title: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    opens_at: datetime
    closes_at: datetime
    is_demo: bool = False

    def title_in(self, language: str) -> str:
        """The title in ``language``: the English one on English pages when there is one."""
        return (self.title_en if language == "en" else None) or self.title


class Invitation(SQLModel, table=True):
    """A personal answering link; only the SHA-256 of its token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    respondent_key: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    is_demo: bool = False


# Using a link never writes to its invitation row. Whether a link is used, and its answers saved
# part-way, are kept under the link's seal: an HMAC of the token hash with a key that lives in the
# app's configuration, not in the database. A database reader therefore cannot tell which
# invitation a used-mark or a draft belongs to, and no row written at submission shares a
# transaction (xmin), a position or a time with the invitation (see answering/links.py).


class LinkState(SQLModel):
    """What is kept under a link's seal: the group it counts in (wave, municipality)."""

    seal: str = Field(primary_key=True, max_length=64)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    is_demo: bool = False


class SpentLink(LinkState, table=True):
    """A link that has been used to submit; its primary key makes submission happen once."""

    __tablename__ = "spent_link"


class LinkDraft(LinkState, table=True):
    """Answers saved part-way on a link, until the link is used."""

    __tablename__ = "link_draft"

    answers: str = Field(sa_column=Column(Text, nullable=False))
    saved_at: datetime = Field(default_factory=utcnow)


class Response(SQLModel, table=True):
    """One submitted answer set. Anonymous responses keep no invitation and only a date."""

    __table_args__ = (UniqueConstraint("submission_key", name="uq_response_submission_key"),)

    id: str = Field(primary_key=True, max_length=36)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id", index=True)
    wave_id: int | None = Field(default=None, foreign_key="wave.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    invitation_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("invitation.id"), unique=True)
    )
    respondent_key: str | None = Field(default=None, max_length=80, index=True)
    submitted_at: datetime
    is_demo: bool = False
    # The tablet's idempotency key for one occasion: a resend can never make a second response.
    submission_key: str | None = Field(default=None, max_length=64)


# Exactly one of an answer's three columns is set.
ANSWER_HOLDS_ONE_KIND = (
    "(CASE WHEN value IS NULL THEN 0 ELSE 1 END + CASE WHEN text_value IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN missing IS NULL THEN 0 ELSE 1 END) = 1"
)


class Answer(SQLModel, table=True):
    """One item's answer: an option code (``value``), the text or number given to an open item
    (``text_value``; numbers in plain decimal notation such as ``12`` or ``2.5``), or a missing
    code: ``ved_ikke``, ``ubesvaret`` or ``ikke_relevant`` (questionnaire_schema.MISSING_CODES)."""

    __table_args__ = (CheckConstraint(ANSWER_HOLDS_ONE_KIND, name="ck_answer_one_kind"),)

    # No serial id: a sequence would keep the order in which responses were submitted.
    response_id: str = Field(
        sa_column=Column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    )
    item_key: str = Field(max_length=60, primary_key=True)
    position: int
    value: int | None = None
    text_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    missing: str | None = Field(default=None, max_length=20)


@dataclass(frozen=True, slots=True)
class NewResponse:
    """A response row about to be inserted, as plain values: the submitting paths store it
    with Core statements and never need an ORM instance (making one costs more than the
    insert's Python work). The fields are Response's columns."""

    id: str
    questionnaire_version_id: int
    wave_id: int | None
    municipality_id: int
    invitation_id: int | None
    respondent_key: str | None
    submitted_at: datetime
    is_demo: bool
    submission_key: str | None = None


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """An answer row about to be inserted, as plain values (see NewResponse); ``as_orm``
    makes the Answer instance for paths that add it to the session."""

    response_id: str
    item_key: str
    position: int
    value: int | None = None
    text_value: str | None = None
    missing: str | None = None

    def as_orm(self) -> Answer:
        """The same row as an Answer instance."""
        return Answer(**{name: getattr(self, name) for name in self.__slots__})


class User(SQLModel, table=True):
    """A staff member who signs in: admin, evaluator, coordinator or caseworker."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class UserMunicipality(SQLModel, table=True):
    """Which municipalities a coordinator or caseworker belongs to."""

    __tablename__ = "user_municipality"

    user_id: int = Field(
        sa_column=Column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    )
    municipality_id: int = Field(foreign_key="municipality.id", primary_key=True)


class LoginSession(SQLModel, table=True):
    """A sign-in; the cookie carries a random key whose hash is the id. Ended at sign-out."""

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only log of sign-ins, exports and views (database triggers refuse changes)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=60, index=True)
    target: str = Field(default="", max_length=300)
    municipality: str | None = Field(default=None, max_length=60)
    outcome: str = Field(default="ok", max_length=20)


class Citizen(SQLModel, table=True):
    """A citizen known only by the pseudonym the municipality chose (never a CPR number)."""

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(max_length=80, unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")


class KioskSession(SQLModel, table=True):
    """One occasion on the tablet: a citizen answering a questionnaire handed over by a
    caseworker, left only with the caseworker's PIN. The cookie carries a key whose hash is
    the id; ``occasion_key`` is the idempotency key of the final submission."""

    __tablename__ = "kiosk_session"

    id: str = Field(primary_key=True, max_length=64)
    occasion_key: str = Field(max_length=64, unique=True)
    # None for an anonymous questionnaire, which names only the municipality it counts for.
    citizen_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("citizen.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    municipality_id: int | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("municipality.id", name="fk_kiosk_session_municipality_id"), nullable=True
        ),
    )
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    caseworker_id: int = Field(foreign_key="app_user.id")
    pin_hash: str = Field(max_length=255)
    pin_failures: int = 0
    language: str = Field(default="da", max_length=5)
    one_per_screen: bool = True
    position: int = 0
    draft: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    response_id: str | None = Field(
        default=None,
        sa_column=Column(ForeignKey("response.id", ondelete="SET NULL"), nullable=True),
    )


class AnswerCount(SQLModel, table=True):
    """How many answers of one kind one group gave to one item in one wave: kept at submit
    time in the submitting transaction (answers never change), lowered when answers are
    erased, so the comparison page reads counts without reading answers (answer_counts.py).
    ``value`` is 0 for a missing code, ``missing`` is "" for an option code."""

    __tablename__ = "answer_count"

    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id", index=True)
    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", primary_key=True)
    is_demo: bool = Field(default=False, primary_key=True)
    item_key: str = Field(max_length=60, primary_key=True)
    value: int = Field(default=0, primary_key=True)
    missing: str = Field(default="", max_length=20, primary_key=True)
    count: int = 0


# --- Fieldwork by e-mail (survey_app/mail/) ---
# A participant is a personal address on a wave's list, with the invitation made for it. Its link
# is never stored: it is rebuilt from a key in the app's configuration (mail/links.py). Whether
# the participant has answered is only known through the link's seal, as everywhere else.


class Participant(SQLModel, table=True):
    """An e-mail address on a wave's participant list in one municipality (personal data)."""

    __table_args__ = (UniqueConstraint("wave_id", "email", name="uq_participant_wave_email"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    email: str = Field(max_length=254)
    name: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    invitation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invitation.id"), unique=True, nullable=False)
    )
    link_nonce: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    opted_out_at: datetime | None = None
    failed_at: datetime | None = None
    failure_reason: str | None = Field(default=None, max_length=300)


class Mailing(SQLModel, table=True):
    """One invitation or reminder mailing of a wave (all municipalities, or one)."""

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    kind: str = Field(max_length=20)  # invitation | reminder
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=254)
    recipients: int = 0
    invited_before: int = 0
    completed_before: int = 0


class MailDelivery(SQLModel, table=True):
    """One message of a mailing to one participant. ``sending`` is committed before the SMTP
    conversation and ``sent`` after it, so a retried job never sends the same message twice."""

    __tablename__ = "mail_delivery"
    __table_args__ = (
        UniqueConstraint("mailing_id", "participant_id", name="uq_delivery_mailing_participant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailing_id: int = Field(
        sa_column=Column(ForeignKey("mailing.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    participant_id: int = Field(
        sa_column=Column(
            ForeignKey("participant.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # queued | deferred | sending | sent | failed | uncertain
    status: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=300)


class WaveMailSetting(SQLModel, table=True):
    """Per wave: days after the invitation on which reminders go out by themselves."""

    __tablename__ = "wave_mail_setting"

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    reminder_days: str = Field(default="", max_length=60)  # e.g. "7,14"


class TrialNarrative(SQLModel, table=True):
    """One saved version of a trial's report narrative (Markdown, sections 1-4); the newest
    version counts. Versions are never changed, so who wrote what and when stays known."""

    __tablename__ = "trial_narrative"
    __table_args__ = (UniqueConstraint("trial_key", "version", name="uq_trial_narrative_version"),)

    id: int | None = Field(default=None, primary_key=True)
    trial_key: str = Field(max_length=60, index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class RegistryIndicator(SQLModel, table=True):
    """A registry figure beside the survey (e.g. from jobindsats.dk), with its source."""

    __tablename__ = "registry_indicator"
    __table_args__ = (
        UniqueConstraint(
            "trial_key", "municipality_id", "indicator", "period", name="uq_registry_indicator"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    trial_key: str = Field(max_length=60, index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    indicator: str = Field(max_length=200)
    period: str = Field(max_length=60)
    value: float
    source: str = Field(max_length=300)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(max_length=254)


class OccasionScore(SQLModel, table=True):
    """One domain of one citizen occasion (a response with a pseudonym): what the domain score,
    the progression and the domain's reliability need, kept in the submitting transaction and
    removed with the answers (occasion_scores.py), so progression reads one row per occasion
    and domain instead of the answers. The values follow the domain rules (membership,
    comparability, polarity) of the questionnaire's merged definition named by ``rules``;
    rows under other rules are recomputed before they are read."""

    __tablename__ = "occasion_score"

    response_id: str = Field(
        sa_column=Column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    )
    domain: str = Field(max_length=60, primary_key=True)
    questionnaire_key: str = Field(max_length=60, index=True)
    respondent_key: str = Field(max_length=80)
    municipality_id: int = Field(foreign_key="municipality.id")
    submitted_at: datetime
    is_demo: bool = False
    rules: str = Field(max_length=16)
    # The domain's number of comparable items (a score needs half of them answered), how many
    # of them have an option code, the sum of those codes (negative items reversed), and the
    # codes themselves in the rules' item order, "" where missing ("3,,4,2"), for alpha.
    size: int
    answered: int
    total: int
    codes: str = Field(max_length=400)


class OccasionGeneration(SQLModel, table=True):
    """One row naming the last change of ``occasion_score`` by a random token (replaced in
    the changing transaction), so the progression page knows in one read whether its rows
    changed."""

    __tablename__ = "occasion_generation"

    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=32)


class ProgressionTally(SQLModel, table=True):
    """How many citizens of a repeated questionnaire give each value progression and alpha
    read, kept from ``occasion_score`` in the same transactions (progression_tally.py), so the
    progression page reads a few thousand counts whatever the number of citizens. ``kind``:
    ``occasion`` (a domain score at an occasion number, in the citizen's municipality),
    ``pair`` (a citizen's first and latest domain score, ``number`` 1 when they are two
    occasions apart, 0 when the citizen has one scored occasion), ``pattern`` (the codes of a
    domain answered in full at a citizen's first occasion, for alpha) and ``citizen`` (one
    row: the citizens with any occasion). Scores are packed as total * 1000 + answered."""

    __tablename__ = "progression_tally"

    questionnaire_key: str = Field(max_length=60, primary_key=True)
    kind: str = Field(max_length=10, primary_key=True)
    domain: str = Field(max_length=60, primary_key=True)
    municipality_id: int = Field(primary_key=True)
    number: int = Field(primary_key=True)
    first: int = Field(primary_key=True)
    latest: int = Field(primary_key=True)
    codes: str = Field(max_length=400, primary_key=True)
    count: int
