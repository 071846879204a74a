"""The report as PDF: the static HTML laid out by WeasyPrint (fonts embedded, PDF/UA tags)."""

from __future__ import annotations

from weasyprint import HTML

from .html import write_html
from .model import Report


def write_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    return HTML(string=write_html(report, static=True)).write_pdf(pdf_variant="pdf/ua-1")
