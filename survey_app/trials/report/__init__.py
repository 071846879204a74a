"""The evaluation report in seed 003's outline: docx (python-docx), pdf (WeasyPrint), html."""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session

from .. import narrative as narratives
from ..gather import gather
from ..indicators import indicators_of
from .model import Heading, Report, trial_blocks

REPORT_FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}


def build_report(session: Session, viewer, trials, waves: list[str] | None = None) -> Report:
    """The report of one trial, or a network report of several (one part per trial)."""
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    if len(trials) == 1:
        title = f"Evaluering af frikommuneforsøget: {trials[0].title}"
    else:
        title = f"Samlet evalueringsrapport: {trials[0].network}"
    report = Report(title)
    for trial in trials:
        data = gather(session, viewer, trial, threshold, waves)
        latest = narratives.current(session, trial.key)
        base = 1 if len(trials) == 1 else 2
        if len(trials) > 1:
            report.blocks.append(Heading(1, trial.title))
        report.blocks += trial_blocks(
            data, latest.text if latest else None, indicators_of(session, trial.key), base
        )
    return report


def render_report(session: Session, viewer, trials, fmt: str, waves=None) -> tuple[bytes, str]:
    """The report as bytes in ``fmt`` (docx, pdf or html) and its media type."""
    report = build_report(session, viewer, trials, waves)
    if fmt == "docx":
        from .docx import write_docx

        body = write_docx(report)
    elif fmt == "pdf":
        from .pdf import write_pdf

        body = write_pdf(report)
    else:
        from .html import write_html

        body = write_html(report, static=False).encode("utf-8")
    return body, REPORT_FORMATS[fmt]
