"""Trials as data: one YAML file per trial in ``questionnaires/trials/``, checked like the
questionnaires. A trial's key is the key of its main questionnaire."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..questionnaire_schema import Questionnaire, load_directory
from ..reference_data import MUNICIPALITIES

TRIALS_SUBDIR = "trials"
ROLES = ("medarbejdersurvey", "ledelsestilsyn", "borgersurvey")


class TrialError(ValueError):
    """A trial file is invalid; ``messages`` name the file and field."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    start: dt.date
    end: dt.date


class Instrument(_Strict):
    """A questionnaire used in the trial, with the waves that belong to it (none: collected
    case by case or continuously) and its part of the report."""

    questionnaire: str
    waves: list[str] = Field(default_factory=list)
    role: Literal["medarbejdersurvey", "ledelsestilsyn", "borgersurvey"]


class SuccessCriterion(_Strict):
    """A named share of options of one item, with the direction that means success."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1)
    seed: str = Field(min_length=1)
    questionnaire: str
    item: str
    options: list[int] = Field(min_length=1)
    direction: Literal["higher", "lower"]


class Trial(_Strict):
    """One trial: key, Danish title, network, participants (empty when no seed names them;
    ``participants_note`` then says so), period, instruments and success criteria."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    network: str
    participants: list[str]
    participants_note: str | None = None
    period: Period
    instruments: list[Instrument] = Field(min_length=1)
    success_criteria: list[SuccessCriterion]
    success_criteria_note: str | None = None

    def instrument(self, questionnaire: str) -> Instrument | None:
        """The instrument using ``questionnaire``, or None."""
        return next((i for i in self.instruments if i.questionnaire == questionnaire), None)

    def by_role(self, role: str) -> list[Instrument]:
        """The instruments with this part in the report."""
        return [i for i in self.instruments if i.role == role]

    def criteria_for(self, questionnaire: str) -> list[SuccessCriterion]:
        """The success criteria on items of ``questionnaire``."""
        return [c for c in self.success_criteria if c.questionnaire == questionnaire]

    def network_municipalities(self) -> list[str]:
        """Every municipality of the trial's network."""
        return sorted(name for name, net in MUNICIPALITIES.items() if net == self.network)

    def allows(self, municipality: str) -> bool:
        """Whether ``municipality`` takes part: a named participant, or, where the seeds name
        none, any municipality of the trial's network."""
        if self.participants:
            return municipality in self.participants
        return municipality in self.network_municipalities()


def _cross_errors(trial: Trial, questionnaires: dict[str, Questionnaire]) -> list[str]:
    errors = []
    networks = set(MUNICIPALITIES.values())
    if trial.network not in networks:
        errors.append(f"network: unknown network '{trial.network}'")
    for i, name in enumerate(trial.participants):
        if MUNICIPALITIES.get(name) != trial.network:
            errors.append(f"participants[{i}]: '{name}' is not a municipality of {trial.network}")
    if not trial.participants and not trial.participants_note:
        errors.append("participants_note: say why no participants are named")
    if trial.period.end < trial.period.start:
        errors.append("period: end is before start")
    if trial.instruments[0].questionnaire != trial.key:
        errors.append("instruments[0]: the first instrument must be the questionnaire named by key")
    for i, instrument in enumerate(trial.instruments):
        if instrument.questionnaire not in questionnaires:
            errors.append(f"instruments[{i}].questionnaire: unknown '{instrument.questionnaire}'")
    for i, criterion in enumerate(trial.success_criteria):
        where = f"success_criteria[{i}]"
        q = questionnaires.get(criterion.questionnaire)
        if trial.instrument(criterion.questionnaire) is None or q is None:
            errors.append(f"{where}.questionnaire: '{criterion.questionnaire}' is no instrument")
            continue
        item = q.item(criterion.item)
        if item is None:
            errors.append(f"{where}.item: '{criterion.item}' is not an item of {q.key}")
            continue
        codes = {o.code for o in q.scale_for(item).options}
        wrong = [c for c in criterion.options if c not in codes]
        if wrong:
            errors.append(f"{where}.options: {wrong} not options of '{criterion.item}'")
        if len(set(criterion.options)) == len(codes):
            errors.append(f"{where}.options: every option is a success; the share says nothing")
    return errors


def parse_trial(path: Path, questionnaires: dict[str, Questionnaire]) -> Trial:
    """Read and check one trial file against the newest version of each questionnaire."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrialError([f"{path}: cannot be read: {exc}"]) from exc
    if not isinstance(data, dict):
        raise TrialError([f"{path}: (top level): expected a mapping of fields"])
    try:
        trial = Trial.model_validate(data)
    except ValidationError as exc:
        raise TrialError(
            [
                f"{path}: {'.'.join(str(p) for p in e['loc'])}: "
                + ("unknown field" if e["type"] == "extra_forbidden" else e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    errors = _cross_errors(trial, questionnaires)
    if path.stem != trial.key:
        errors.append(f"key: the file for trial '{trial.key}' must be named {trial.key}.yaml")
    if errors:
        raise TrialError([f"{path}: {e}" for e in errors])
    return trial


def newest_questionnaires(directory: Path) -> dict[str, Questionnaire]:
    """The newest valid version of every questionnaire in ``directory``, by key."""
    found, _ = load_directory(directory)
    newest: dict[str, Questionnaire] = {}
    for q in sorted(found, key=lambda q: q.version):
        newest[q.key] = q
    return newest


def load_trials(directory: Path) -> tuple[list[Trial], list[str]]:
    """Every trial in ``directory/trials/`` checked against the questionnaires in
    ``directory``: the valid trials and all error messages."""
    folder = Path(directory) / TRIALS_SUBDIR
    if not folder.is_dir():
        return [], []
    questionnaires = newest_questionnaires(Path(directory))
    trials, messages = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            trials.append(parse_trial(path, questionnaires))
        except TrialError as exc:
            messages.extend(exc.messages)
    return trials, messages


@dataclass(frozen=True)
class TrialCatalogue:
    """The trials by key, and which trial each questionnaire belongs to."""

    trials: dict[str, Trial]

    def get(self, key: str) -> Trial | None:
        """The trial ``key``, or None."""
        return self.trials.get(key)

    def of_questionnaire(self, questionnaire: str) -> Trial | None:
        """The trial whose instruments include ``questionnaire`` (None if none does)."""
        return next(
            (t for t in self.trials.values() if t.instrument(questionnaire) is not None), None
        )

    def by_network(self, network: str) -> list[Trial]:
        """The trials of one network, by key."""
        return [t for k, t in sorted(self.trials.items()) if t.network == network]


def catalogue(directory: Path) -> TrialCatalogue:
    """The valid trials of ``directory`` (invalid files are reported by check-questionnaires)."""
    trials, _ = load_trials(directory)
    return TrialCatalogue({t.key: t for t in trials})


def outside_participants(directory: Path, questionnaire: str, municipality: str) -> Trial | None:
    """The trial that ``municipality`` is not part of, when inviting it to ``questionnaire``
    (None when the municipality takes part or the questionnaire belongs to no trial)."""
    trial = catalogue(directory).of_questionnaire(questionnaire)
    if trial is None or trial.allows(municipality):
        return None
    return trial
