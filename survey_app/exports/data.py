"""One questionnaire version's responses in wide form: one record per response, one code per item.

Missing answers to closed items become numeric codes, as SPSS users expect: ``ikke_relevant``
(routed past) is 97, ``ved_ikke`` is 98 and ``ubesvaret`` (skipped) is 99. Every format writes
these same codes and the codebook explains them. An open item holds its text (a string column)
or its number (a numeric column); its missing answers are an empty cell, because 97-99 could be
a real number or text (the long CSV keeps which missing code it was).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import distinct, func
from sqlmodel import Session

from ..export import (
    EXPORT_COLUMNS,
    ExportFilter,
    answer_rows_query,
    answered_at_text,
    number_cell,
)
from ..models import Answer, Municipality, QuestionnaireVersion
from ..questionnaire_schema import Item, Questionnaire

MISSING_CODES = {"ikke_relevant": 97, "ved_ikke": 98, "ubesvaret": 99}
WideValue = int | str | Decimal | None
# The long export's columns that describe the response rather than one answer.
ID_COLUMNS = [c for c in EXPORT_COLUMNS if c not in ("item", "value", "label", "missing")]
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Selection:
    """What to export: one stored version, optionally one wave, and the municipalities
    (ids; None for all) the view allows through ``access``."""

    version: QuestionnaireVersion
    definition: Questionnaire
    wave: str | None = None
    municipality_ids: frozenset[int] | None = None
    include_demo: bool = True


@dataclass(frozen=True)
class WideRecord:
    """One response: its identifying columns and per item key a code, a text or a number."""

    response_id: str
    respondent_key: str
    questionnaire: str
    version: int
    wave: str
    municipality: str
    answered_at: str
    codes: dict[str, WideValue]

    def id_values(self) -> list[str | int]:
        """The identifying columns, in the order of ``ID_COLUMNS``."""
        return [
            self.response_id,
            self.respondent_key,
            self.questionnaire,
            self.version,
            self.wave,
            self.municipality,
            self.answered_at,
        ]


def exportable_definition(definition: Questionnaire, include_identifying: bool) -> Questionnaire:
    """The definition as an export describes it: without identifying text items unless the
    user may receive them (their columns and codebook rows are then left out)."""
    if include_identifying:
        return definition
    items = [i for i in definition.items if not (i.type == "text" and i.identifying)]
    return definition.model_copy(update={"items": items})


def answer_code(
    value: int | None, missing: str | None, text_value: str | None = None, item: Item | None = None
) -> WideValue:
    """A stored answer in wide form: the option code or the missing code (97/98/99) of a closed
    item; an open item's text or number (a Decimal), or None when it has none."""
    if text_value is not None:
        return number_cell(text_value) if item is not None and item.type == "number" else text_value
    if value is not None:
        return value
    if item is not None and item.is_open:
        return None
    return MISSING_CODES.get(missing or "")


def wide_records(session: Session, selection: Selection) -> Iterator[WideRecord]:
    """The selected responses in wide form, streamed from the database in batches."""
    version = selection.version
    filters = ExportFilter(
        questionnaire=version.key,
        version=version.version,
        wave=selection.wave,
        include_demo=selection.include_demo,
        municipality_ids=selection.municipality_ids,
    )
    query = answer_rows_query(filters).execution_options(yield_per=BATCH_SIZE)
    for response_id, rows in itertools.groupby(session.execute(query), key=lambda row: row[0]):
        codes: dict[str, WideValue] = {}
        for row in rows:
            _, item_key, value, missing, text, respondent_key, submitted_at, *_, wave, place = row
            item = selection.definition.item(item_key)
            if item is not None:  # only the selection's items (identifying ones may be left out)
                codes[item_key] = answer_code(value, missing, text, item)
        yield WideRecord(
            response_id=response_id,
            respondent_key=respondent_key or "",
            questionnaire=version.key,
            version=version.version,
            wave=wave or "",
            municipality=place,
            answered_at=answered_at_text(submitted_at, version.anonymous),
            codes=codes,
        )


def small_municipalities(session: Session, filters: ExportFilter, threshold: int) -> list[str]:
    """The municipalities whose anonymous responses in the export ``filters`` select number
    fewer than ``threshold`` (but at least one), by name."""
    query = (
        answer_rows_query(filters)
        .with_only_columns(Municipality.name, func.count(distinct(Answer.response_id)))
        .where(QuestionnaireVersion.anonymous.is_(True))
        .group_by(Municipality.name)
        .order_by(None)  # drop the export's row order
        .order_by(Municipality.name)
    )
    return [name for name, responses in session.execute(query) if responses < threshold]
