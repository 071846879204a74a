"""The report as a Word document: Heading 1-3 styles, real tables with captions, a TOC field."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from .images import png_images
from .model import Box, Figure, Heading, Markdown, Paragraph, Placeholder, Report, Table


def _toc(document) -> None:
    """A table-of-contents field Word fills in when the document is opened (F9)."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    begin, instr, sep, text, end = (
        OxmlElement(t) for t in ("w:fldChar", "w:instrText", "w:fldChar", "w:t", "w:fldChar")
    )
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-3" \\h \\z \\u'
    sep.set(qn("w:fldCharType"), "separate")
    text.text = "Indholdsfortegnelse: højreklik og vælg „Opdater felt“."
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, sep, text, end):
        run._r.append(element)


def _markdown(document, text: str) -> None:
    """Markdown paragraphs as plain Word paragraphs (## as Heading 3, lists as List Bullet)."""
    for block in text.split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            document.add_heading(block[3:].strip(), level=3)
        elif all(line.lstrip().startswith(("- ", "* ")) for line in block.splitlines()):
            for line in block.splitlines():
                document.add_paragraph(line.lstrip()[2:], style="List Bullet")
        elif block:
            document.add_paragraph(" ".join(block.splitlines()))


def write_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    document = Document()
    document.add_heading(report.title, level=0)
    _toc(document)
    figures = [b.figure for b in report.blocks if isinstance(b, Figure)]
    images = iter(png_images(figures))
    for block in report.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(block.level, 9))
        elif isinstance(block, Markdown):
            _markdown(document, block.text)
        elif isinstance(block, Placeholder):
            document.add_paragraph().add_run(block.text).bold = True
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        elif isinstance(block, Box):
            document.add_paragraph(block.title, style="Intense Quote")
            for line in block.lines:
                document.add_paragraph(line, style="List Bullet")
        elif isinstance(block, Figure):
            document.add_picture(io.BytesIO(next(images)), width=Cm(16))
            document.add_paragraph(block.caption, style="Caption")
        elif isinstance(block, Table):
            document.add_paragraph(block.caption, style="Caption")
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
