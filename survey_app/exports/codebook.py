"""The codebook: every variable of the wide exports with its text, scale, codes, missing codes.

A closed item has one row per code; an open item (text or number) one row that says what its
column holds (``scale_type`` is ``text`` or ``number``, ``label`` the format in words).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..questionnaire_schema import Item, Questionnaire
from .data import ID_COLUMNS, MISSING_CODES

CODEBOOK_COLUMNS = [
    "questionnaire",
    "version",
    "title",
    "variable",
    "position",
    "text",
    "scale",
    "scale_type",
    "domain",
    "polarity",
    "code",
    "label",
    "missing",
    "choice_name",  # the XLSForm choice name of an option imported with a text name ("yes")
]
SKIPPED_LABEL = "Ubesvaret (spørgsmålet blev sprunget over)"
NOT_RELEVANT_LABEL = "Ikke relevant (spørgsmålet blev ikke stillet på grund af tidligere svar)"
ID_TEXTS = {
    "response_id": ("Besvarelsens id", "tekst"),
    "respondent_key": ("Pseudonym for borgeren (tom ved anonyme skemaer)", "tekst"),
    "questionnaire": ("Spørgeskemaets nøgle", "tekst"),
    "version": ("Spørgeskemaets version", "heltal"),
    "wave": ("Runde (bølge) for dataindsamlingen", "tekst"),
    "municipality": ("Kommune", "tekst"),
    "answered_at": (
        "Besvaret (UTC; kun dato ved anonyme skemaer, ellers ÅÅÅÅ-MM-DDTtt:mm:ssZ)",
        "tekst",
    ),
}
NO_ANSWER_ROW = (
    "Tom celle: ingen svarrække for spørgsmålet (fx et spørgsmål, der ikke fandtes, da der blev "
    "svaret). 98 og 99 er brugerdefinerede manglende værdier (user-missing) og er ikke svar, "
    "ligesom 97 (ikke relevant) ved spørgsmål, der kun stilles efter bestemte svar. Ved tekst- "
    "og talspørgsmål er et manglende svar altid en tom celle; den lange CSV's kolonne missing "
    "siger, om det var ubesvaret eller ikke relevant."
)


def value_labels(definition: Questionnaire, item: Item) -> dict[int, str]:
    """Danish labels of a closed item's codes, including its missing codes (98, 99, and 97
    when routing can skip it); none for an open item."""
    if item.is_open:
        return {}
    scale = definition.scale_for(item)
    labels = {option.code: option.label.da for option in scale.options}
    if item.show_if is not None:
        labels[MISSING_CODES["ikke_relevant"]] = NOT_RELEVANT_LABEL
    if scale.non_substantive is not None:
        labels[MISSING_CODES["ved_ikke"]] = scale.non_substantive.label.da
    labels[MISSING_CODES["ubesvaret"]] = SKIPPED_LABEL
    return labels


def missing_meaning(code: int) -> str:
    """``ikke_relevant``, ``ved_ikke`` or ``ubesvaret`` for a missing code, else empty."""
    return next((key for key, value in MISSING_CODES.items() if value == code), "")


def _plain(number) -> str:
    """A bound such as 0 or 2.5 without exponent or trailing zeros."""
    return format(number.normalize(), "f")


def open_format(item: Item) -> str:
    """What an open item's column holds, in Danish words (its format, limits and unit)."""
    if item.type == "text":
        lines = "flere linjer" if item.multiline else "én linje"
        words = f"Fritekst ({lines}), højst {item.text_limit()} tegn"
        if item.identifying:
            words += "; kan pege på personer og udleveres kun til evaluatorer og administratorer"
        return words
    fmt = item.number_format()
    words = "Tal: heltal" if fmt.kind == "integer" else "Tal: decimaltal"
    if fmt.decimals is not None:
        words += f" med højst {fmt.decimals} decimaler"
    if fmt.min is not None:
        words += f", mindst {_plain(fmt.min)}"
    if fmt.max is not None:
        words += f", højst {_plain(fmt.max)}"
    if fmt.unit is not None:
        words += f" ({fmt.unit.da})"
    return words


def codebook_rows(definition: Questionnaire) -> Iterator[list[str]]:
    """The codebook's rows (without header): one per id column, one per item code."""
    head = [definition.key, str(definition.version), definition.title.da]
    for position, column in enumerate(ID_COLUMNS, start=1):
        text, kind = ID_TEXTS[column]
        yield [*head, column, str(position), text, "", kind, "", "", "", "", "", ""]
    for position, item in enumerate(definition.items, start=len(ID_COLUMNS) + 1):
        if item.is_open:
            described = [item.key, str(position), item.text.da, "", item.type, "", ""]
            yield [*head, *described, "", open_format(item), ""]
            continue
        scale = definition.scale_for(item)
        described = [item.key, str(position), item.text.da, scale.key, scale.type]
        described += [item.domain or "", item.polarity]
        names = {option.code: option.name or "" for option in scale.options}
        for code, label in value_labels(definition, item).items():
            yield [*head, *described, str(code), label, missing_meaning(code), names.get(code, "")]
    yield [*head, "", "", NO_ANSWER_ROW, "", "", "", "", "", "", "", ""]
