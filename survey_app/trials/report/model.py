"""The report as a list of blocks in seed 003's outline, written by docx.py, html.py and pdf.py
alike, so every format holds the same headings, tables and (suppressed) numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.counts import ALL_GROUP

from ...models import RegistryIndicator
from ..gather import TrialData
from ..narrative import PLACEHOLDER, SECTIONS
from ..results import ItemResult, missing_label

OUTLINE = (
    "1. Indledning",
    "2. Resumé",
    "3. Hovedkonklusioner",
    "4. Beskrivelse af forsøget",
    "5. Resultat af ledelsestilsyn",
    "6. Resultater af medarbejdersurvey",
    "Bilag 1: resultat fra ledelsestilsyn",
    "Bilag 2: surveyresultater fra medarbejdersurvey",
)
TESTS_TEXT = (
    "Andele er vist med 95 % Wilson-konfidensinterval. Forskelle i andele mellem to runder har "
    "95 % Newcombe-interval (hybrid score). Fordelinger mellem to runder er testet med "
    "Mann-Whitney U (eksakt ved små grupper) med Cliffs delta; ja/nej-spørgsmål med Fishers "
    "eksakte test."
)


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Markdown:
    text: str


@dataclass
class Placeholder:
    text: str = PLACEHOLDER


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    caption: str
    figure: dict


@dataclass
class Box:
    title: str
    lines: list[str]


@dataclass
class Report:
    title: str
    blocks: list = field(default_factory=list)


def _pct(share) -> str:
    if share is None or share.share is None:
        return "–"
    return f"{100 * share.share:.0f} % ({100 * share.low:.0f}–{100 * share.high:.0f} %)"


def _group(name: str) -> str:
    return "Alle kommuner" if name == ALL_GROUP else name


def item_tables(result: ItemResult, titles: list[str]) -> list[Table]:
    """One table per wave: counts per option, n, missing codes, shares; hidden groups show
    only why they are hidden."""
    item, tables = result.item, []
    for wave, title in zip(result.waves, titles, strict=True):
        rows_in = result.by_wave[wave]
        criteria = next((r.shares for r in rows_in if not r.hidden), [])
        header = [
            "Kommune",
            *item.labels,
            "n",
            *[missing_label(c, item) for c in result.missing_codes],
        ]
        if item.scale_type == "yes_no":
            header.append("Andel ja (95 % KI)")
        header += [f"{c.label} (95 % KI)" for c, _ in criteria]
        rows = []
        for row in rows_in:
            if row.hidden:
                rows.append(
                    [_group(row.group), row.hidden[:1].upper() + row.hidden[1:]]
                    + [""] * (len(header) - 2)
                )
                continue
            cells = [_group(row.group), *map(str, row.counts.counts), str(row.counts.n)]
            cells += [str(row.missing.get(c, 0)) for c in result.missing_codes]
            if item.scale_type == "yes_no":
                cells.append(_pct(row.yes_share))
            cells += [_pct(s) for _, s in row.shares]
            rows.append(cells)
        tables.append(Table(f"{item.text} – {title}", header, rows))
    if result.differences:
        header = [
            "Kommune",
            "Forskel i andel (95 % KI, Newcombe)",
            "p (Mann-Whitney)",
            "Cliffs delta",
        ]
        rows = []
        for d in result.differences:
            if d.hidden:
                rows.append([_group(d.group), "Skjult i mindst én runde", "", ""])
                continue
            change = (
                "; ".join(
                    f"{c.label}: {100 * ch.difference:+.0f} pp. "
                    f"({100 * ch.low:+.0f} til {100 * ch.high:+.0f})"
                    if ch
                    else f"{c.label}: –"
                    for c, ch in d.changes
                )
                or "–"
            )
            comp = d.comparison
            p = f"{comp.p_value:.3f}" if comp and comp.p_value is not None else "–"
            delta = f"{comp.cliffs.delta:.2f}" if comp and comp.cliffs else "–"
            rows.append([_group(d.group), change, p, delta])
        tables.append(Table(f"{item.text} – {titles[1]} mod {titles[0]}", header, rows))
    return tables


def _results_blocks(instruments, with_tables: bool, with_figures: bool, level: int) -> list:
    blocks = []
    for found in instruments:
        blocks.append(Heading(level, found.title))
        for wave_results in found.results:
            blocks.append(Heading(level + 1, " mod ".join(reversed(wave_results.titles))))
            for result in wave_results.items:
                if with_figures and result.figure is not None:
                    blocks.append(Figure(f"Figur: {result.item.text}", result.figure))
                if with_tables:
                    blocks.extend(item_tables(result, wave_results.titles))
                else:
                    blocks.extend(_criteria_summary(result, wave_results.titles))
    return blocks


def _criteria_summary(result: ItemResult, titles: list[str]) -> list:
    """Section 5/6 text: the total's success shares (or share yes) per wave, if shown."""
    lines = []
    for wave, title in zip(result.waves, titles, strict=True):
        total = next((r for r in result.by_wave[wave] if r.group == ALL_GROUP), None)
        if total is None or total.hidden:
            continue
        for criterion, share in total.shares:
            lines.append(f"{title}: {criterion.label}: {_pct(share)}, n = {share.n}.")
        if total.yes_share is not None:
            lines.append(f"{title}: {result.item.text} Andel ja: {_pct(total.yes_share)}.")
    return [Paragraph(line) for line in lines]


def methods_box(data: TrialData, rates) -> Box:
    """What was actually used: tests, conventions, suppression, response rates, versions."""
    lines = [
        TESTS_TEXT,
        "Alle tests er tosidede; p-værdier er justeret for flere spørgsmål med Benjamini-Hochberg "
        "inden for hver gruppe, og „sikker forskel“ kræver justeret p under 0,05.",
        f"Kommuner med færre end {data.threshold} svar i en runde er skjult i tabeller og figurer "
        "(og om nødvendigt en kommune mere eller totalen, så de ikke kan regnes ud).",
    ]
    for found in data.instruments:
        versions = ", ".join(f"v{v} (fingeraftryk {fp[:12]})" for v, fp in found.versions)
        lines.append(f"{found.title}: {versions}.")
    for row in rates:
        rate = f"{100 * row.response_rate:.0f} %" if row.response_rate is not None else "–"
        lines.append(
            f"Svarprocent {row.questionnaire}/{row.wave.key}, {row.municipality}: "
            f"{row.completed} af {row.invited} ({rate})."
        )
    lines.append(f"Data trukket {data.extracted_at:%Y-%m-%d %H:%M} UTC.")
    return Box("Metode", lines)


def trial_blocks(
    data: TrialData,
    narrative_text: str | None,
    indicators: list[tuple[str, RegistryIndicator]],
    base: int = 1,
    with_figures: bool = True,
) -> list:
    """The blocks of one trial's report in seed 003's outline, headings from level ``base``."""
    from ..narrative import sections

    texts = sections(narrative_text)
    trial, blocks = data.trial, []
    for heading, name in zip(OUTLINE[:4], SECTIONS, strict=True):
        blocks.append(Heading(base, heading))
        blocks.append(Markdown(texts[name]) if texts[name] else Placeholder())
    participants = ", ".join(trial.participants) or (trial.participants_note or "")
    blocks.append(
        Paragraph(
            f"Forsøg: {trial.title}. Netværk: {trial.network}. Deltagere: {participants}. "
            f"Periode: {trial.period.start} til {trial.period.end}."
        )
    )
    if indicators:
        blocks.append(
            Table(
                "Registerindikatorer",
                ["Kommune", "Indikator", "Periode", "Værdi", "Kilde"],
                [
                    [n, r.indicator, r.period, f"{r.value:g}".replace(".", ","), r.source]
                    for n, r in indicators
                ],
            )
        )
    rates = [r for found in data.instruments for r in found.rates]
    if rates:
        blocks.append(
            Table(
                "Svarprocent pr. kommune og runde",
                [
                    "Spørgeskema",
                    "Runde",
                    "Kommune",
                    "Inviteret",
                    "Påbegyndt",
                    "Gennemført",
                    "Svarprocent",
                ],
                [
                    [
                        r.questionnaire,
                        r.wave.title,
                        r.municipality,
                        str(r.invited),
                        str(r.started),
                        str(r.completed),
                        f"{100 * r.response_rate:.0f} %" if r.response_rate is not None else "–",
                    ]
                    for r in rates
                ],
            )
        )
    blocks.append(methods_box(data, rates))
    tilsyn = data.by_role("ledelsestilsyn")
    surveys = data.by_role("medarbejdersurvey") + data.by_role("borgersurvey")
    none_tilsyn = Paragraph("Forsøget har ikke et fælles ledelsestilsyn i dette værktøj.")
    blocks.append(Heading(base, OUTLINE[4]))
    blocks += _results_blocks(tilsyn, False, False, base + 1) if tilsyn else [none_tilsyn]
    blocks.append(Heading(base, OUTLINE[5]))
    blocks += _results_blocks(surveys, False, with_figures, base + 1)
    blocks.append(Heading(base, OUTLINE[6]))
    blocks += _results_blocks(tilsyn, True, False, base + 1) if tilsyn else [none_tilsyn]
    blocks.append(Heading(base, OUTLINE[7]))
    blocks += _results_blocks(surveys, True, False, base + 1)
    return blocks
