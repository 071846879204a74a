"""The report as one self-contained HTML page (no outside host): interactive plotly figures
with plotly.js embedded, or PNG images inline for the PDF."""

from __future__ import annotations

import base64
import html

import markdown as md

from .images import png_images
from .model import Box, Figure, Heading, Markdown, Paragraph, Placeholder, Report, Table

STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60rem;margin:2rem auto;
  padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;margin:0 0 1.5rem;font-size:.85rem}
th,td{border:1px solid #999;padding:.25rem .4rem;text-align:left}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
.placeholder{border:2px dashed #b00;padding:.5rem;color:#b00;font-weight:bold}
.methods{border:2px solid #0571b0;padding:.5rem 1rem;margin:1rem 0}
figure{margin:1rem 0}figure img{max-width:100%}
@page{size:A4;margin:2cm}
"""


def _row(cells: list[str]) -> str:
    """One body row; a hidden group's reason spans the row instead of empty cells."""
    head = f'<tr><th scope="row">{html.escape(cells[0])}</th>'
    if len(cells) > 2 and not any(cells[2:]):
        return head + f'<td colspan="{len(cells) - 1}">{html.escape(cells[1])}</td></tr>'
    return head + "".join(f"<td>{html.escape(c)}</td>" for c in cells[1:]) + "</tr>"


def _table(block: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in block.header)
    rows = "".join(_row(r) for r in block.rows)
    return (
        f"<table><caption>{html.escape(block.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def write_html(report: Report, static: bool) -> str:
    """The report as HTML; ``static`` draws figures as PNG (for the PDF)."""
    import plotly.io as pio  # here: plotly is slow to import, and only reports need it
    from plotly.offline import get_plotlyjs

    figures = [b for b in report.blocks if isinstance(b, Figure)]
    images = iter(png_images([f.figure for f in figures]) if static else [])
    parts, count = [], 0
    for block in report.blocks:
        if isinstance(block, Heading):
            level = min(block.level, 6)
            parts.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, Markdown):
            parts.append(md.markdown(html.escape(block.text, quote=False)))
        elif isinstance(block, Placeholder):
            parts.append(f'<p class="placeholder">{html.escape(block.text)}</p>')
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Box):
            lines = "".join(f"<li>{html.escape(line)}</li>" for line in block.lines)
            title = f"<h3>{html.escape(block.title)}</h3>"
            parts.append(f'<aside class="methods">{title}<ul>{lines}</ul></aside>')
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Figure):
            count += 1
            caption = f"<figcaption>{html.escape(block.caption)}</figcaption>"
            if static:
                data = base64.b64encode(next(images)).decode("ascii")
                alt = html.escape(block.caption)
                image = f'<img src="data:image/png;base64,{data}" alt="{alt}">'
                parts.append(f"<figure>{image}{caption}</figure>")
            else:
                spec = pio.to_json(block.figure)
                parts.append(
                    f'<figure><div id="fig{count}"></div>{caption}<script>'
                    f'(function(){{var f={spec};Plotly.newPlot("fig{count}",f.data,f.layout,'
                    "{displaylogo:false});})();"
                    "</script></figure>"
                )
    script = "" if static or not figures else f"<script>{get_plotlyjs()}</script>"
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n{script}\n</head>\n<body>\n"
        f"<h1>{html.escape(report.title)}</h1>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
