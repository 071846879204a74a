"""Questionnaire versions in the database: loading files, looking versions up, comparing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from .models import Municipality, QuestionnaireVersion
from .occasion_scores import after_new_version
from .questionnaire_schema import (
    ItemComparison,
    Questionnaire,
    canonical_json,
    compare_versions,
    load_directory,
)
from .reference_data import MUNICIPALITIES


@dataclass(frozen=True)
class LoadReport:
    """What loading a directory did: versions added, unchanged and refused (with reasons)."""

    added: list[str]
    unchanged: list[str]
    refused: list[str]

    @property
    def ok(self) -> bool:
        return not self.refused


_parsed: dict[str, Questionnaire] = {}


def parse_stored_definition(definition: str) -> Questionnaire:
    """The Questionnaire stored as canonical JSON in a QuestionnaireVersion row."""
    return Questionnaire.model_validate_json(definition)


def is_parsed(fingerprint: str) -> bool:
    """Whether the definition with this fingerprint is parsed and cached already (so
    ``definition_of`` does not need the stored JSON)."""
    return fingerprint in _parsed


def definition_of(version: QuestionnaireVersion) -> Questionnaire:
    """The parsed definition of a stored version, cached by its content fingerprint."""
    parsed = _parsed.get(version.fingerprint)
    if parsed is None:
        parsed = _parsed[version.fingerprint] = parse_stored_definition(version.definition)
    return parsed


def version_row(q: Questionnaire) -> QuestionnaireVersion:
    """A new database row for a questionnaire version (canonical JSON and fingerprint)."""
    return QuestionnaireVersion(
        key=q.key,
        version=q.version,
        title=q.title.da,
        audience=q.audience,
        anonymous=q.anonymous,
        repeated=q.repeated,
        fingerprint=q.fingerprint(),
        definition=canonical_json(q),
    )


def load_questionnaires(session: Session, directory: Path) -> LoadReport:
    """Store every valid questionnaire version in ``directory``; never change a stored one."""
    questionnaires, errors = load_directory(directory)
    added, unchanged, refused = [], [], list(errors)
    for q in questionnaires:
        label = f"{q.key} v{q.version}"
        stored = find_version(session, q.key, q.version)
        if stored is None:
            session.add(version_row(q))
            added.append(label)
        elif stored.fingerprint == q.fingerprint():
            unchanged.append(label)
        else:
            refused.append(
                f"{directory / f'{q.key}.v{q.version}.yaml'}: {label} is already stored with "
                f"different content (fingerprint {stored.fingerprint[:12]}, file "
                f"{q.fingerprint()[:12]}). A stored version never changes: publish the change as "
                f"a new version ({q.key}.v{q.version + 1}.yaml with version: {q.version + 1})."
            )
    session.flush()
    for key in sorted({q.key for q in questionnaires if f"{q.key} v{q.version}" in added}):
        after_new_version(session, key)
    return LoadReport(added, unchanged, refused)


def find_version(
    session: Session, key: str, version: int | None = None
) -> QuestionnaireVersion | None:
    """The stored version ``version`` of ``key`` (the newest when None), or None."""
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.key == key)
    if version is not None:
        query = query.where(QuestionnaireVersion.version == version)
    return session.exec(query.order_by(QuestionnaireVersion.version.desc())).first()


def list_versions(session: Session, key: str) -> list[QuestionnaireVersion]:
    """All stored versions of ``key``, oldest first."""
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.key == key)
    return list(session.exec(query.order_by(QuestionnaireVersion.version)))


def version_comparisons(
    versions: list[QuestionnaireVersion],
) -> list[tuple[QuestionnaireVersion, QuestionnaireVersion, ItemComparison]]:
    """Item comparisons between each pair of consecutive versions."""
    return [
        (old, new, compare_versions(definition_of(old), definition_of(new)))
        for old, new in zip(versions, versions[1:], strict=False)
    ]


def ensure_municipalities(session: Session) -> int:
    """Add the trial municipalities that are missing; return how many were added."""
    existing = set(session.exec(select(Municipality.name)))
    missing = [name for name in MUNICIPALITIES if name not in existing]
    for name in missing:
        session.add(Municipality(name=name, network=MUNICIPALITIES[name]))
    session.flush()
    return len(missing)


def find_municipality(session: Session, name: str) -> Municipality | None:
    """The municipality with this short name (case-insensitive), or None."""
    for municipality in session.exec(select(Municipality)):
        if municipality.name.casefold() == name.casefold():
            return municipality
    return None
