"""Rendering a computed report (a dict from `analysis.report.build_report`).

Each renderer takes the report dict and returns bytes; none computes statistics.
"""

from analysis.render.csv import render_csv
from analysis.render.figures import (
    FIGURE_FORMATS,
    consort_png,
    figure2_png,
    figure_files,
    tipping_png,
)
from analysis.render.html import render_html
from analysis.render.json import render_json
from analysis.render.xlsx import render_xlsx

RENDERERS = {
    "json": render_json,
    "html": render_html,
    "xlsx": render_xlsx,
    "csv": render_csv,
}
CONTENT_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
}
EXTENSIONS = {"json": "json", "html": "html", "xlsx": "xlsx", "csv": "zip"}

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "FIGURE_FORMATS",
    "figure_files",
    "RENDERERS",
    "consort_png",
    "figure2_png",
    "render_csv",
    "render_html",
    "render_json",
    "render_xlsx",
    "tipping_png",
]
