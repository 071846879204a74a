"""Demo data: plausible, reproducible answers so the product can be tried at once.

Every row made here is marked ``is_demo``; the same seed gives the same answers.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func
from sqlmodel import Session, select

from .answer_counts import forget_demo, store_answers
from .answering.answers import OpenText
from .answering.responses import (
    AnswerValue,
    answer_rows,
    find_context,
    submit_response,
    visible_items,
)
from .invitations import create_invitations
from .models import Citizen, Invitation, LinkDraft, Response, SpentLink, User, Wave, utcnow
from .questionnaire_schema import Questionnaire
from .registry import definition_of, find_municipality, find_version
from .waves import as_utc, create_wave, find_wave

# Caseworkers per municipality in each of the two waves; some municipalities have only 2-4.
CASEWORKERS = {
    "Aalborg": (14, 12),
    "Hjørring": (9, 8),
    "Vesthimmerland": (7, 6),
    "Jammerbugt": (4, 4),
    "Thisted": (3, 4),
    "Læsø": (2, 2),
}
COMPARED_WAVES = {
    "ledighedsydelse": ("jan-2019", "sommer-2020"),
    "mentor": ("jan-2019", "forsoegsafslutning"),
}
EN_PLAN_CITIZENS = {"Furesø": 12, "Ballerup": 14, "Hillerød": 10}
OPEN_DEMO_WAVE = ("ledighedsydelse", "demo-aaben", "Demo – åben runde")


class DemoDataError(RuntimeError):
    """Demo data cannot be made; the message says what is missing."""


def has_demo_data(session: Session) -> bool:
    """Whether any demo responses exist."""
    count = session.exec(select(func.count()).select_from(Response).where(Response.is_demo)).one()
    return count > 0


def _remove_demo_mail(session: Session) -> None:
    """Participant lists, mailings and reminder schedules of demo waves (issue 13)."""
    from .models import MailDelivery, Mailing, Participant, WaveMailSetting

    demo_waves = select(Wave.id).where(Wave.is_demo.is_(True))
    demo_mailings = select(Mailing.id).where(Mailing.wave_id.in_(demo_waves))
    session.execute(delete(MailDelivery).where(MailDelivery.mailing_id.in_(demo_mailings)))
    for table in (Mailing, Participant, WaveMailSetting):
        session.execute(delete(table).where(table.wave_id.in_(demo_waves)))


def remove_demo_data(session: Session) -> None:
    """Delete every row marked as demo (answers go with their responses), and the citizens
    registered for the demo series."""
    demo_citizens = select(Response.respondent_key).where(Response.is_demo.is_(True))
    session.execute(delete(Citizen).where(Citizen.pseudonym.in_(demo_citizens)))
    forget_demo(session)
    session.execute(delete(Response).where(Response.is_demo.is_(True)))
    _remove_demo_mail(session)
    for table in (Invitation, SpentLink, LinkDraft):
        session.execute(delete(table).where(table.is_demo.is_(True)))
    session.execute(delete(Wave).where(Wave.is_demo.is_(True)))
    session.flush()


def _pick(rng: random.Random, definition: Questionnaire, item_key: str, lift: float):
    item = definition.item(item_key)
    if item.type == "number":
        return _number(rng, item)
    if item.type == "text":
        return _text(rng, item)
    scale = definition.scale_for(item)
    if scale.non_substantive and rng.random() < 0.07:
        return scale.non_substantive.key
    k = len(scale.options)
    centre = (k + 1) / 2 + lift
    weights = [1.0 / (1.0 + (code - centre) ** 2) for code in range(1, k + 1)]
    return rng.choices(range(1, k + 1), weights=weights)[0]


# Neutral open answers (demo data must never look like it names a person).
DEMO_TEXTS = (
    "Det fungerede godt i de fleste sager.",
    "Mere tid til samtaler med borgeren.",
    "Uklart hvem der havde ansvaret.",
    "Ingen bemærkninger.",
    "Reglerne blev fortolket forskelligt.\nDet bør afklares.",
)


def _text(rng: random.Random, item) -> OpenText:
    """A demo text that fits the item (its length limit, one line unless multi-line)."""
    fitting = [
        text
        for text in DEMO_TEXTS
        if len(text) <= item.text_limit() and (item.multiline or "\n" not in text)
    ]
    return OpenText(rng.choice(fitting) if fitting else "Ok"[: item.text_limit()])


def _number(rng: random.Random, item) -> Decimal:
    """A number within the item's bounds (0-100 where it has none), in its format."""
    fmt = item.number_format()
    low = fmt.min if fmt.min is not None else Decimal(0)
    high = fmt.max if fmt.max is not None else max(low + 100, Decimal(100))
    value = Decimal(str(rng.uniform(float(low), float(high))))
    places = 0 if fmt.kind == "integer" else (fmt.decimals or 1)
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return min(max(value, low), high)


def demo_answers(
    rng: random.Random, definition: Questionnaire, lift: float
) -> dict[str, AnswerValue]:
    """Plausible answers to one questionnaire: every shown item answered (optional open
    items now and then skipped), items that routing hides left out (stored as ikke_relevant)."""
    answers: dict[str, AnswerValue] = {}
    for item in definition.items:
        if item.key not in visible_items(definition, answers):
            continue
        if item.is_open and not item.required and rng.random() < 0.3:
            continue
        answers[item.key] = _pick(rng, definition, item.key, lift)
    return answers


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment_in(rng: random.Random, wave: Wave) -> datetime:
    opens, closes = as_utc(wave.opens_at), as_utc(wave.closes_at)
    span = (closes - opens).total_seconds()
    return opens + timedelta(seconds=int(rng.uniform(0.05, 0.9) * span))


def _caseworker_waves(session: Session, rng: random.Random, base_url: str, seal_key: str) -> int:
    made = 0
    for key, wave_keys in COMPARED_WAVES.items():
        for index, wave_key in enumerate(wave_keys):
            wave = find_wave(session, key, wave_key)
            if wave is None:
                raise DemoDataError(f"wave {key}/{wave_key} is missing: run init-db first")
            version = find_version(session, key, 1)
            definition = definition_of(version)
            for name, counts in CASEWORKERS.items():
                municipality = find_municipality(session, name)
                answered = counts[index]
                invited = answered + rng.randint(0, 3)
                invitations = create_invitations(
                    session, wave, municipality, invited, base_url, is_demo=True,
                    now=as_utc(wave.opens_at),  # as if sent when the historic wave opened
                )  # fmt: skip
                for issued in invitations[:answered]:
                    ctx = find_context(session, issued.token, seal_key)
                    answers = demo_answers(rng, definition, lift=0.9 * index - 0.3)
                    submit_response(
                        session, ctx, answers,
                        now=_moment_in(rng, wave), response_id=_uuid(rng),
                    )  # fmt: skip
                    made += 1
    return made


def _citizen_series(session: Session, rng: random.Random) -> int:
    version = find_version(session, "en-plan", 1)
    if version is None:
        raise DemoDataError("questionnaire en-plan is not loaded: run load-questionnaires first")
    definition = definition_of(version)
    made = 0
    for name, citizens in EN_PLAN_CITIZENS.items():
        municipality = find_municipality(session, name)
        for number in range(1, citizens + 1):
            key = f"demo-{name.lower().replace('ø', 'oe').replace('æ', 'ae')}-{number:03d}"
            start = datetime(2019, 3, 1, 9, 0) + timedelta(days=rng.randint(0, 200))
            start = as_utc(start)
            session.add(Citizen(pseudonym=key, municipality_id=municipality.id, created_at=start))
            trend = rng.gauss(0.35, 0.4)
            for occasion in range(rng.randint(3, 5)):
                moment = start + timedelta(days=75 * occasion + rng.randint(0, 20))
                moment += timedelta(minutes=rng.randint(0, 420))
                response = Response(
                    id=_uuid(rng),
                    questionnaire_version_id=version.id,
                    municipality_id=municipality.id,
                    respondent_key=key,
                    submitted_at=moment,
                    is_demo=True,
                )
                lift = -0.8 + trend * occasion
                answers = demo_answers(rng, definition, lift)
                session.add(response)
                session.flush()
                store_answers(session, response, answer_rows(definition, response.id, answers))
                made += 1
    session.flush()
    return made


def ensure_open_demo_wave(session: Session) -> Wave:
    """The open demo wave (created, or re-opened, so the product can be tried at once)."""
    key, wave_key, title = OPEN_DEMO_WAVE
    wave = find_wave(session, key, wave_key)
    now = utcnow()
    if wave is None:
        return create_wave(
            session, key, wave_key, title, now - timedelta(days=1), now + timedelta(days=90),
            is_demo=True,
        )  # fmt: skip
    if as_utc(wave.closes_at) <= now:
        wave.closes_at = now + timedelta(days=90)
        session.add(wave)
        session.flush()
    return wave


def create_demo_data(session: Session, seed: int, base_url: str, seal_key: str) -> dict[str, int]:
    """Make demo invitations and answers; refuse if demo data already exists."""
    if has_demo_data(session):
        raise DemoDataError("demo data already exists (use --replace to make it anew)")
    rng = random.Random(seed)
    caseworker_responses = _caseworker_waves(session, rng, base_url, seal_key)
    citizen_responses = _citizen_series(session, rng)
    ensure_open_demo_wave(session)
    from .trials.demo import add_trial_demo

    trial = add_trial_demo(session, rng, base_url, seal_key)
    return {
        "caseworker_responses": caseworker_responses,
        "citizen_responses": citizen_responses,
        **trial,
    }


DEMO_PASSWORD = "demo-adgangskode"
DEMO_USERS = [
    ("admin@demo.invalid", "admin", []),
    ("evaluator@demo.invalid", "evaluator", []),
    ("koordinator.aalborg@demo.invalid", "coordinator", ["Aalborg"]),
    ("raadgiver.furesoe@demo.invalid", "caseworker", ["Furesø"]),
    ("leder.aalborg@demo.invalid", "manager", ["Aalborg"]),
]


def ensure_demo_users(session: Session) -> list[tuple[str, str]]:
    """Staff users for trying the product (one per role); returns those added."""
    from .auth.users import create_user

    existing = set(session.exec(select(User.email)).all())
    added = []
    for email, role, places in DEMO_USERS:
        if email not in existing:
            municipalities = [find_municipality(session, name) for name in places]
            create_user(session, email, role, DEMO_PASSWORD, municipalities)
            added.append((email, role))
    return added
