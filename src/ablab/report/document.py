"""A tiny document model (headings, paragraphs, tables, images, lists) rendered to Markdown and to HTML.

Both outputs come from the same blocks, so the two files always say the same thing. The HTML is
self-contained (inline CSS, no scripts, no external requests); images are PNG files next to it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.outside td.mark { color: #b00020; font-weight: 600; }
.verdict-confirmed { background: #e3f4e1; } .verdict-refuted { background: #fbe3e4; }
.verdict-not-supported { background: #fff6d6; } .verdict-not-run { background: #eee; }
img { max-width: 100%; border: 1px solid #eee; margin: .5rem 0; }
p.note { color: #555; font-size: .9rem; } code { background: #f5f5f5; padding: 0 .2rem; }
"""


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Paragraph:
    text: str
    note: bool = False


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    row_classes: list[str] = field(default_factory=list)  # CSS class per row (HTML only)
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    mark_column: int | None = None


@dataclass
class Image:
    path: str
    alt: str


@dataclass
class BulletList:
    items: list[str]


@dataclass
class Contents:
    items: list[tuple[str, str]]  # (text, anchor of a Heading)


Block = Heading | Paragraph | Table | Image | BulletList | Contents


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}")
        elif isinstance(b, Paragraph):
            out.append(f"_{b.text}_" if b.note else b.text)
        elif isinstance(b, Table):
            out.append("| " + " | ".join(map(_md_cell, b.headers)) + " |")
            out.append("|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.headers))) + "|")
            out += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in b.rows]
        elif isinstance(b, Image):
            out.append(f"![{b.alt}]({b.path})")
        elif isinstance(b, BulletList):
            out += [f"- {item}" for item in b.items]
        elif isinstance(b, Contents):
            out.append("Contents: " + " · ".join(text for text, _ in b.items))
        out.append("")
    return "\n".join(out)


def _html_table(b: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
    rows = []
    for i, row in enumerate(b.rows):
        css = b.row_classes[i] if i < len(b.row_classes) else ""
        cells = []
        for j, cell in enumerate(row):
            classes = " ".join(c for c in ("num" if j in b.numeric else "", "mark" if j == b.mark_column else "") if c)
            cells.append(f"<td class=\"{classes}\">{html.escape(str(cell))}</td>" if classes
                         else f"<td>{html.escape(str(cell))}</td>")
        rows.append(f"<tr class=\"{css}\">{''.join(cells)}</tr>" if css else f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def to_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f" id=\"{html.escape(b.anchor)}\"" if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            body.append(f"<p class=\"note\">{html.escape(b.text)}</p>" if b.note else f"<p>{html.escape(b.text)}</p>")
        elif isinstance(b, Table):
            body.append(_html_table(b))
        elif isinstance(b, Image):
            body.append(f"<a href=\"{html.escape(b.path)}\"><img src=\"{html.escape(b.path)}\" "
                        f"alt=\"{html.escape(b.alt)}\"></a>")
        elif isinstance(b, BulletList):
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Contents):
            links = " · ".join(f"<a href=\"#{html.escape(a)}\">{html.escape(t)}</a>" for t, a in b.items)
            body.append(f"<p>Contents: {links}</p>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )
