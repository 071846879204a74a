"""Demo data for the trial pages: revalidering survey answers, ledelsestilsyn cases and the
narratives of revalidering and ledighedsydelse (marked demo where the table allows)."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlmodel import Session

from ..registry import definition_of, find_municipality, find_version
from ..waves import as_utc
from . import narrative
from .ledelsestilsyn import CHECKLIST, store_case

# Reviewed cases per participating municipality (seed 003 names the four).
TILSYN_CASES = {"Aalborg": 24, "Vesthimmerland": 11, "Thisted": 8, "Jammerbugt": 6}
REVALIDERING_CASEWORKERS = {"Aalborg": 9, "Vesthimmerland": 6, "Thisted": 5, "Jammerbugt": 3}
DEMO_AUTHOR = "evaluator@demo.invalid"

NARRATIVES = {
    "revalidering": """# Indledning

Demotekst. Rapporten samler evalueringen af forsøget med forenkling af bevillingsgrundlaget for
revalidering i de fire deltagende jobcentre. Evalueringen bygger på to spor: ledelsestilsyn og
medarbejdersurvey (seed 003).

# Resumé

# Hovedkonklusioner

# Beskrivelse af forsøget

Forsøget fritager for indhentelse af LÆ265 i revalideringssager, under forudsætning af at sagen er
tilstrækkeligt lægeligt belyst. Alle sager med opstart efter 1/7 2018 er omfattet.
""",
    "ledighedsydelse": """# Indledning

Demotekst. Forsøget fritager for revurdering i 12. måned inden for 18 måneder på ledighedsydelse.
Rådgiverne er spurgt i januar 2019 og sommeren 2020 med de samme spørgsmål.

# Resumé

# Hovedkonklusioner

# Beskrivelse af forsøget

Evalueringsdesignet består af datatræk fra jobindsats.dk, ledelsestilsyn og survey ved rådgivere.
""",
}


def _pick(rng: random.Random, item, scale, ja_share: float):
    if scale.non_substantive and rng.random() < 0.3:
        return scale.non_substantive.key
    return 1 if rng.random() < ja_share else 2


def add_trial_demo(
    session: Session, rng: random.Random, base_url: str, seal_key: str
) -> dict[str, int]:
    """Ledelsestilsyn cases, revalidering answers (wave jan-2019) and two narratives."""
    version = find_version(session, CHECKLIST)
    cases = 0
    if version is not None:
        definition = definition_of(version)
        for name, count in TILSYN_CASES.items():
            place = find_municipality(session, name)
            for _ in range(count):
                answers = {
                    item.key: _pick(rng, item, definition.scale_for(item), 0.7)
                    for item in definition.items
                }
                store_case(
                    session,
                    version,
                    place,
                    answers,
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    is_demo=True,
                    response_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                )
                cases += 1
    survey = _revalidering_answers(session, rng, base_url, seal_key)
    for key, text in NARRATIVES.items():
        if narrative.current(session, key) is None:
            narrative.save(session, key, text, DEMO_AUTHOR)
    return {"ledelsestilsyn_cases": cases, "revalidering_responses": survey}


def _revalidering_answers(
    session: Session, rng: random.Random, base_url: str, seal_key: str
) -> int:
    from ..answering.responses import find_context, submit_response
    from ..invitations import create_invitations
    from ..waves import find_wave

    wave = find_wave(session, "revalidering", "jan-2019")
    version = find_version(session, "revalidering", 1)
    if wave is None or version is None:
        return 0
    definition = definition_of(version)
    made = 0
    for name, count in REVALIDERING_CASEWORKERS.items():
        place = find_municipality(session, name)
        issued = create_invitations(
            session,
            wave,
            place,
            count + rng.randint(0, 2),
            base_url,
            is_demo=True,
            now=as_utc(wave.opens_at),
        )
        for link in issued[:count]:
            ctx = find_context(session, link.token, seal_key)
            answers = {}
            for item in definition.items:
                scale = definition.scale_for(item)
                if scale.non_substantive and rng.random() < 0.08:
                    answers[item.key] = scale.non_substantive.key
                else:
                    k = len(scale.options)
                    answers[item.key] = rng.choices(
                        range(1, k + 1), weights=[1 + i for i in range(k)]
                    )[0]
            moment = as_utc(wave.opens_at) + timedelta(days=rng.randint(1, 20))
            submit_response(
                session,
                ctx,
                answers,
                now=moment,
                response_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
            made += 1
    return made
