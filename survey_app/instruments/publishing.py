"""New questionnaire versions from authored files: choosing the version number, writing the
YAML file without ever overwriting one, and publishing a checked version into the database."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session

from ..models import QuestionnaireVersion
from ..occasion_scores import after_new_version
from ..questionnaire_schema import Questionnaire, questionnaire_files
from ..registry import find_version, list_versions, version_row


class PublishError(Exception):
    """A version cannot be written or published; the message says why."""


def versions_in_directory(directory: Path, key: str) -> list[int]:
    """The version numbers of ``key`` that have a file in ``directory``."""
    pattern = re.compile(rf"^{re.escape(key)}\.v(\d+)\.ya?ml$")
    found = (
        [pattern.match(p.name) for p in questionnaire_files(directory)]
        if directory.is_dir()
        else []
    )
    return sorted(int(m.group(1)) for m in found if m)


def next_free_version(directory: Path, key: str, stored: list[int] = ()) -> int:
    """One more than the highest version of ``key`` in the directory or the database."""
    return max([0, *versions_in_directory(directory, key), *stored]) + 1


def write_version_file(directory: Path, q: Questionnaire, yaml_text: str) -> Path:
    """Write ``KEY.vN.yaml`` into ``directory``; refuse to overwrite an existing file."""
    if not directory.is_dir():
        raise PublishError(f"{directory}: not a directory")
    path = directory / f"{q.key}.v{q.version}.yaml"
    if path.exists() or q.version in versions_in_directory(directory, q.key):
        raise PublishError(f"{path}: already exists; a version is never overwritten")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(yaml_text)
    except OSError as exc:
        raise PublishError(f"{path}: cannot be written: {exc}") from exc
    return path


def stored_versions(session: Session, key: str) -> list[int]:
    """The version numbers of ``key`` stored in the database."""
    return [v.version for v in list_versions(session, key)]


def publish_version(session: Session, q: Questionnaire) -> QuestionnaireVersion:
    """Store a checked questionnaire as a new version; refuse one that exists (same key and
    version), since a stored version never changes."""
    stored = find_version(session, q.key, q.version)
    if stored is not None:
        same = stored.fingerprint == q.fingerprint()
        raise PublishError(
            f"{q.key} v{q.version} is already stored"
            + (" with the same content." if same else
               f" with different content (fingerprint {stored.fingerprint[:12]}, file "
               f"{q.fingerprint()[:12]}). A stored version never changes: publish it as "
               f"version {max(stored_versions(session, q.key)) + 1}.")
        )  # fmt: skip
    row = version_row(q)
    session.add(row)
    after_new_version(session, q.key)
    return row
