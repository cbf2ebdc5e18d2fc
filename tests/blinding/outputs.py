"""Report outputs as labelled cells, for the differential blinding test.

Every file of a report becomes a dict {key: text}, where the key says where the value
sits: the JSON path; the table caption, row and column heading of an HTML table; the
sheet or CSV file, row and column of a flat table. Comparing two reports then gives the
keys whose value changed, and `split_by_group` says which of those keys belong to a
group (a group's column or row, or a comparison between groups).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from html.parser import HTMLParser

from openpyxl import load_workbook

from analysis.render.labels import KEYS

# JSON keys and flat-table columns of between-group statistics.
BETWEEN_KEYS = {
    "difference",
    "ci95",
    "p",
    "t",
    "df",
    "rate_ratio",
    "marginal_difference",
    "marginal_ci95",
    "marginal_p",
    "p_adjusted",
    "significant",
    "tipping_delta",
    "fraction_missing_information",
}
BETWEEN_COLUMNS = BETWEEN_KEYS | {
    "ci95_low",
    "ci95_high",
    "marginal_ci95_low",
    "marginal_ci95_high",
}
# ... and the workbook's headings of those columns
BETWEEN_LABELS = {KEYS[key] for key in BETWEEN_COLUMNS if key in KEYS}
BETWEEN_HEADINGS = re.compile(r"difference|p value|rate ratio|adjusted|significant", re.I)


def json_cells(data: bytes) -> dict[tuple, str]:
    cells = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, str(key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))
        else:
            cells[("json", *path)] = json.dumps(node)

    walk(json.loads(data), ())
    return cells


class _Tables(HTMLParser):
    """Every table of a page: caption, the last heading row, the body rows."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(("th" if tag == "th" else "td", "".join(self._cell).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            table = self.tables[-1]
            if self._row and all(kind == "th" for kind, _ in self._row):
                table["head"] = [text for _, text in self._row]
            else:
                table["rows"].append([text for _, text in self._row])
            self._row = None

    def handle_data(self, data):
        if self._in_caption and self.tables:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def html_cells(data: bytes) -> dict[tuple, str]:
    parser = _Tables()
    parser.feed(data.decode("utf-8"))
    cells = {}
    captions = Counter()
    for table in parser.tables:
        captions[table["caption"]] += 1
        name = (table["caption"], captions[table["caption"]])
        seen = Counter()
        for row in table["rows"]:
            label = row[0] if row else ""
            seen[label] += 1
            for index, text in enumerate(row[1:], start=1):
                heading = table["head"][index] if index < len(table["head"]) else f"#{index}"
                cells[("html", name, (label, seen[label]), heading)] = text
    return cells


def _flat_cells(where: str, rows: list[list]) -> dict[tuple, str]:
    """A flat table: the first row is the heading row."""
    if not rows:
        return {}
    head, cells, seen = [str(h) for h in rows[0]], {}, Counter()
    for row in rows[1:]:
        label = str(row[0]) if row else ""
        seen[label] += 1
        for index, value in enumerate(row[1:], start=1):
            column = head[index] if index < len(head) else f"#{index}"
            cells[(where, (label, seen[label]), column)] = "" if value is None else str(value)
    return cells


def xlsx_cells(data: bytes) -> dict[tuple, str]:
    workbook = load_workbook(io.BytesIO(data))
    cells = {}
    for sheet in workbook.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        # a sheet holds tables one under the other, a blank row between; each table is
        # its title, its heading row and its rows (a note under a table is one more row)
        block: list[list] = []
        for row in [*rows, []]:
            if any(v is not None for v in row):
                block.append(row)
                continue
            if block:
                cells.update(_flat_cells(f"xlsx:{sheet.title}:{block[0][0]}", block[1:]))
            block = []
    return cells


def csv_cells(data: bytes) -> dict[tuple, str]:
    cells = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith(".csv"):
                continue  # SPSS, Stata, ODM, the codebook: the CSV tables' values
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            cells.update(_flat_cells(f"csv:{name}", rows))
    return cells


def changed(before: dict, after: dict) -> list[tuple]:
    return sorted(
        (k for k in before.keys() | after.keys() if before.get(k) != after.get(k)), key=str
    )


def split_by_group(key: tuple, codes: set[str], labels: set[str]) -> bool:
    """True when the cell at `key` belongs to a group or compares groups.

    `codes` are the keys a group may have (A, B, the arm codes), `labels` the names it
    may be shown with (Group A, Group B, the arm labels).
    """
    kind = key[0]
    if kind == "json":
        path = [str(part) for part in key[1:]]
        return any(part in codes or part in BETWEEN_KEYS for part in path)
    if kind == "html":
        (_caption, _), (row, _), heading = key[1], key[2], key[3]
        texts = [row.lower(), heading.lower()]
        return bool(BETWEEN_HEADINGS.search(heading)) or any(
            label.lower() in text for text in texts for label in labels
        )
    (row, _), column = key[1], key[2]
    return (
        column in BETWEEN_COLUMNS
        or column in BETWEEN_LABELS
        or bool(BETWEEN_HEADINGS.search(column))
        or "95% CI" in column
        or any(column.startswith(f"{code}_") for code in codes)
        or any(label.lower() in column.lower() for label in labels)
        or row in codes
        or any(label.lower() in row.lower() for label in labels)
    )


def file_cells(name: str, data: bytes) -> dict[tuple, str]:
    if name.endswith(".json"):
        return json_cells(data)
    if name.endswith(".html"):
        return html_cells(data)
    if name.endswith(".xlsx"):
        return xlsx_cells(data)
    if name.endswith(".zip"):
        return csv_cells(data)
    raise ValueError(f"no reader for {name}")
