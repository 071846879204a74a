"""The export formats as the "Data og eksport" page lists them, with what each is for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    """One downloadable format: the URL suffix, a Danish name and one line on its use.
    ``per_version`` formats hold one questionnaire version (one column per item)."""

    suffix: str
    name: str
    purpose: str
    per_version: bool


EXPORT_FORMATS = [
    ExportFormat(
        "csv",
        "Lang CSV",
        "Én række pr. besvarelse og spørgsmål – til R, Stata, Python "
        "og analyseværktøjet (python -m analysis).",
        per_version=False,
    ),
    ExportFormat(
        "excel.csv",
        "Lang CSV til dansk Excel",
        "Den samme lange CSV med semikolon som skilletegn og UTF-8 med BOM, "
        "så Excel åbner den med æ, ø og å i de rigtige kolonner.",
        per_version=False,
    ),
    ExportFormat(
        "wide.csv",
        "Bred CSV",
        "Én række pr. besvarelse og én kolonne pr. spørgsmål med svarkoderne "
        "(97 = ikke relevant, 98 = ved ikke, 99 = ubesvaret) og teksten eller tallet "
        "ved åbne spørgsmål.",
        per_version=True,
    ),
    ExportFormat(
        "xlsx",
        "Excel (.xlsx)",
        "Den brede form på arket „Svar“ og kodebogen på arket „Kodebog“.",
        per_version=True,
    ),
    ExportFormat(
        "sav",
        "SPSS (.sav)",
        "Den brede form med spørgsmålstekster og svarkategorier som labels; "
        "97, 98 og 99 er markeret som manglende, åbne svar er tekstvariable.",
        per_version=True,
    ),
    ExportFormat(
        "codebook.csv",
        "Kodebog (CSV)",
        "Hvad hver kolonne og hver kode betyder – læg den ved, når data deles.",
        per_version=True,
    ),
]
