"""A test questionnaire with routing, text and number items (written into a tmp directory)."""

from __future__ import annotations

from pathlib import Path

ROUTED_KEY = "routing-test"
ROUTED_YAML = """\
key: routing-test
version: 1
title: {da: "Test af routing", en: "Routing test"}
audience: caseworker
anonymous: true
scales:
  - key: ja_nej
    type: yes_no
    options:
      - {code: 1, label: {da: "Ja", en: "Yes"}}
      - {code: 2, label: {da: "Nej", en: "No"}}
  - key: hyppighed
    options:
      - {code: 1, label: {da: "Aldrig", en: "Never"}}
      - {code: 2, label: {da: "Sjældent", en: "Rarely"}}
      - {code: 3, label: {da: "Ofte", en: "Often"}}
    non_substantive: {label: {da: "Ved ikke", en: "Don't know"}}
items:
  - key: brugt
    text: {da: "Har du brugt ordningen?", en: "Have you used the scheme?"}
    scale: ja_nej
  - key: hvor_ofte
    text: {da: "Hvor ofte har du brugt den?", en: "How often have you used it?"}
    scale: hyppighed
    show_if: brugt == 1
  - key: maaneder
    type: number
    text: {da: "Hvor mange måneder varede forløbet?", en: "How many months did it last?"}
    number: {kind: integer, min: 1, max: 24, unit: {da: "måneder", en: "months"}}
    show_if: hvor_ofte in (2, 3)
  - key: timer
    type: number
    text: {da: "Hvor mange timer om ugen?", en: "How many hours a week?"}
    number: {kind: decimal, min: 0, max: 40, decimals: 1, unit: {da: "timer", en: "hours"}}
    required: false
    show_if: brugt == 1
  - key: hvorfor_ikke
    type: text
    text: {da: "Hvorfor har du ikke brugt den?", en: "Why have you not used it?"}
    multiline: true
    max_length: 200
    show_if: brugt != 1
  - key: titel
    type: text
    text: {da: "Din stillingsbetegnelse", en: "Your job title"}
    max_length: 40
    identifying: false
    required: false
  - key: tilfreds
    text: {da: "Er du tilfreds?", en: "Are you satisfied?"}
    scale: ja_nej
    show_if: answered(maaneder) or not brugt == 1
"""


TABLET_KEY = "routing-tablet"
# The same questions as a citizen questionnaire for the tablet (which needs a pseudonym).
TABLET_YAML = (
    ROUTED_YAML.replace(f"key: {ROUTED_KEY}", f"key: {TABLET_KEY}")
    .replace("audience: caseworker", "audience: citizen")
    .replace("anonymous: true", "anonymous: false")
)


def load_routed_questionnaire(app, tmp_path: Path) -> None:
    """Load the routing test questionnaire (and its tablet twin) into the app's database."""
    from survey_app.db import get_session
    from survey_app.registry import load_questionnaires

    directory = tmp_path / "routed-questionnaires"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{ROUTED_KEY}.v1.yaml").write_text(ROUTED_YAML, encoding="utf-8")
    (directory / f"{TABLET_KEY}.v1.yaml").write_text(TABLET_YAML, encoding="utf-8")
    with app.app_context():
        session = get_session()
        report = load_questionnaires(session, directory)
        assert report.ok, report.refused
        session.commit()


def routed_token(app, tmp_path: Path, wave: str = "routing-open") -> str:
    """The questionnaire loaded, a wave of it open, and one personal link's token."""
    from tests.conftest import invite, open_wave

    load_routed_questionnaire(app, tmp_path)
    open_wave(app, questionnaire=ROUTED_KEY, key=wave)
    return invite(app, questionnaire=ROUTED_KEY, wave=wave)[0]
