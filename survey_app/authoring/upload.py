"""Checking an uploaded XLSForm or YAML file as a candidate new questionnaire version."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session

from ..instruments.publishing import stored_versions
from ..questionnaire_schema import (
    QUESTIONNAIRE_KEY_PATTERN,
    Questionnaire,
    QuestionnaireError,
    parse_questionnaire,
)
from ..registry import find_version

MAX_UPLOAD_BYTES = 900 * 1024


@dataclass
class Candidate:
    """The outcome of checking an upload: a questionnaire, or the errors that refuse it."""

    questionnaire: Questionnaire | None = None
    yaml_text: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_upload(
    session: Session, filename: str, data: bytes, key: str = "", version: int | None = None
) -> Candidate:
    """Read an uploaded .xlsx (needs ``key``) or .yaml file and check it as a new version."""
    name = filename or "upload"
    if not data:
        return Candidate(errors=[f"{name}: the file is empty"])
    if len(data) > MAX_UPLOAD_BYTES:
        return Candidate(errors=[f"{name}: the file is larger than {MAX_UPLOAD_BYTES // 1024} KB"])
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return _check_stored(session, _from_yaml(name, data))
    if not lower.endswith(".xlsx"):
        return Candidate(errors=[f"{name}: upload an XLSForm (.xlsx) or a YAML file (.yaml)"])
    if not re.match(QUESTIONNAIRE_KEY_PATTERN, key or ""):
        return Candidate(
            errors=[f"{name}: give the questionnaire key (a-z, 0-9, -) for an XLSForm"]
        )
    if version is None:
        version = max([0, *stored_versions(session, key)]) + 1
    # Imported here: pyxform and openpyxl take a second to load, and only uploads need them.
    from ..instruments.xlsform import XLSFormError, import_xlsform

    try:
        result = import_xlsform(data, key, version)
    except XLSFormError as exc:
        return Candidate(errors=[f"{name}: {m}" for m in exc.messages])
    candidate = Candidate(result.questionnaire, result.yaml_text, [], result.warnings)
    return _check_stored(session, candidate)


def _from_yaml(name: str, data: bytes) -> Candidate:
    from ..instruments.xlsform import questionnaire_yaml

    try:
        text = data.decode("utf-8")
        q = parse_questionnaire(text, name)
    except UnicodeDecodeError:
        return Candidate(errors=[f"{name}: not UTF-8 text"])
    except QuestionnaireError as exc:
        return Candidate(errors=exc.messages)
    return Candidate(q, questionnaire_yaml(q))


def _check_stored(session: Session, candidate: Candidate) -> Candidate:
    """Refuse a candidate whose key and version are stored already (a stored version never
    changes, and publishing the same content twice adds nothing)."""
    q = candidate.questionnaire
    if q is None:
        return candidate
    stored = find_version(session, q.key, q.version)
    if stored is not None:
        newest = max(stored_versions(session, q.key))
        what = "the same" if stored.fingerprint == q.fingerprint() else "different"
        candidate.errors.append(
            f"{q.key}.v{q.version}: version: {q.key} v{q.version} is already stored with {what} "
            f"content (fingerprint {stored.fingerprint[:12]}, file {q.fingerprint()[:12]}). A "
            f"stored version never changes: publish it as version {newest + 1}."
        )
        candidate.questionnaire = None
    return candidate
