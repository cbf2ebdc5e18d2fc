"""Small HTML building blocks shared by the report's sections (every text escaped)."""

from __future__ import annotations

import base64
import html

LABELS = {
    "primary": "Primary analysis",
    "secondary": "Secondary analysis",
    "sensitivity": "Sensitivity analysis",
    "supportive": "Supportive analysis",
    "exploratory": "Exploratory analysis",
}


def e(text) -> str:
    return html.escape(str(text), quote=True)


def head_cell(heading: str | tuple[str, ...]) -> str:
    """A column heading; a tuple is printed one item per line."""
    lines = heading if isinstance(heading, tuple) else (heading,)
    return "<br>".join(e(line) for line in lines)


def table(
    caption: str,
    head: list[str | tuple[str, ...]],
    rows: list[list[str]],
    classes=None,
    footnote: str = "",
) -> str:
    """A table; a footnote is printed under its rows, inside the table, so that it is
    copied with it."""
    classes = classes or [""] * len(rows)
    out = [f"<table>\n<caption>{e(caption)}</caption>\n<thead><tr>"]
    out += [f"<th>{head_cell(h)}</th>" for h in head]
    out.append("</tr></thead>\n<tbody>\n")
    for row, css in zip(rows, classes, strict=True):
        attr = f' class="{css}"' if css == "group" else ""
        cells = []
        for index, cell in enumerate(row):
            td_class = f' class="{css}"' if index == 0 and css.startswith("indent") else ""
            cells.append(f"<td{td_class}>{e(cell)}</td>")
        out.append(f"<tr{attr}>{''.join(cells)}</tr>\n")
    out.append("</tbody>\n")
    if footnote:
        out.append(
            f'<tfoot><tr><td class="footnote" colspan="{len(head)}">{e(footnote)}</td></tr>'
            "</tfoot>\n"
        )
    out.append("</table>")
    return "".join(out)


def figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


def label_of(report: dict, key: str) -> str:
    """'Primary analysis', 'Supportive analysis', ... for a result of the report."""
    return LABELS[report.get("analyses", {}).get(key, "supportive")]


def lookup(report: dict, key: str):
    node = report
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
