"""Everything shown about a trial, gathered once for the trial page and the report:
results per instrument and wave, ledelsestilsyn tallies, response rates, versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from analysis.counts import ALL_GROUP

from ..dashboards.counts import (
    analysis_definition,
    impossible_answers,
    wave_count_table,
    waves_of,
)
from ..dashboards.fieldwork import FieldworkRow, fieldwork_rows
from ..models import QuestionnaireVersion, utcnow
from .ledelsestilsyn import NO_WAVE, NO_WAVE_TITLE, unwaved_count_table
from .results import ItemResult, item_results
from .trials import Instrument, Trial


@dataclass(frozen=True)
class Viewer:
    """Whose view a report is made for: everything, or only some municipalities (the same
    attributes access.py reads from a signed-in user)."""

    sees_all_municipalities: bool
    municipality_ids: frozenset[int] = frozenset()
    municipality_names: tuple[str, ...] = ()


@dataclass
class WaveResults:
    """One instrument's results in one wave (or two waves compared)."""

    waves: list[str]
    titles: list[str]
    items: list[ItemResult]


@dataclass
class InstrumentResults:
    """One questionnaire of the trial: its title, versions, results and response rates."""

    instrument: Instrument
    title: str
    versions: list[tuple[int, str]]
    results: list[WaveResults]
    rates: list[FieldworkRow] = field(default_factory=list)


@dataclass
class TrialData:
    """A trial with every instrument's results, made at ``extracted_at``."""

    trial: Trial
    instruments: list[InstrumentResults]
    threshold: int
    extracted_at: datetime

    def by_role(self, role: str) -> list[InstrumentResults]:
        """The instruments with this part in the report."""
        return [i for i in self.instruments if i.instrument.role == role]


def groups_for(viewer, table_groups: list[str]) -> list[str]:
    """``alle`` and every municipality for a viewer who sees all; otherwise their own."""
    if viewer.sees_all_municipalities:
        return [ALL_GROUP] + sorted(g for g in table_groups if g != ALL_GROUP)
    return list(viewer.municipality_names)


def response_rates(session: Session, viewer, questionnaire: str, wave_keys: list[str]):
    """Invited, started, completed and rate per municipality and wave (the fieldwork
    monitor's counts; a thin call so richer rate rows can replace it)."""
    return [
        r
        for r in fieldwork_rows(session, viewer)
        if r.questionnaire == questionnaire and r.wave.key in wave_keys
    ]


def versions_of(session: Session, key: str) -> list[tuple[int, str]]:
    """Every stored version of a questionnaire with its content fingerprint."""
    rows = session.execute(
        select(QuestionnaireVersion.version, QuestionnaireVersion.fingerprint)
        .where(QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.version)
    )
    return [(v, f) for v, f in rows]


def instrument_results(
    session: Session,
    viewer,
    trial: Trial,
    instrument: Instrument,
    threshold: int,
    chosen_waves: list[str] | None = None,
    with_figures: bool = True,
) -> InstrumentResults | None:
    """Results of one instrument: each of its waves alone and, with exactly two waves, the
    two compared; an instrument without waves is tallied over its case-by-case answers."""
    key = instrument.questionnaire
    stored = {wave.key: (wave, version) for wave, version in waves_of(session, key)}
    definition = analysis_definition(session, key)
    if definition is None:
        return None
    criteria = trial.criteria_for(key)
    results = []
    if not instrument.waves:
        table = unwaved_count_table(session, viewer, key)
        groups = groups_for(viewer, table.groups())
        impossible = impossible_answers(session, key, {v for v, _ in versions_of(session, key)})
        items = item_results(
            table, definition, [NO_WAVE], groups, threshold, criteria, impossible, with_figures
        )
        results.append(WaveResults([NO_WAVE], [NO_WAVE_TITLE], items))
        waves: list[str] = []
    else:
        waves = [w for w in (chosen_waves or instrument.waves) if w in stored]
        sets = [[w] for w in waves] + ([waves] if len(waves) == 2 else [])
        for keys in sets:
            versions = {stored[w][1] for w in keys}
            table = wave_count_table(session, viewer, key, keys)
            groups = groups_for(viewer, table.groups())
            impossible = impossible_answers(session, key, versions)
            items = item_results(
                table,
                analysis_definition(session, key, versions),
                keys,
                groups,
                threshold,
                criteria,
                impossible,
                with_figures,
            )
            results.append(WaveResults(keys, [stored[w][0].title for w in keys], items))
    title = session.execute(
        select(QuestionnaireVersion.title)
        .where(QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.version.desc())
    ).scalar()
    return InstrumentResults(
        instrument,
        title,
        versions_of(session, key),
        results,
        response_rates(session, viewer, key, waves),
    )


def gather(
    session: Session,
    viewer,
    trial: Trial,
    threshold: int,
    waves: list[str] | None = None,
    with_figures: bool = True,
) -> TrialData:
    """The whole trial as ``viewer`` may see it (``waves`` limits the waved instruments)."""
    instruments = []
    for instrument in trial.instruments:
        found = instrument_results(
            session, viewer, trial, instrument, threshold, waves, with_figures
        )
        if found is not None:
            instruments.append(found)
    return TrialData(trial, instruments, threshold, utcnow())
