"""The data dictionary as CSV and as a standalone HTML page."""

from django.template.loader import render_to_string

from diary.exports.data import ExportData
from diary.package.codebook import Variable
from diary.package.writer import csv_bytes

CODEBOOK_CSV = "codebook.csv"
CODEBOOK_HTML = "codebook.html"

COLUMNS = (
    ("file", "File"),
    ("variable", "Variable"),
    ("label", "Label"),
    ("type", "Type"),
    ("unit", "Unit"),
    ("allowed_values", "Allowed values"),
    ("required", "Required"),
    ("value_labels", "Value labels"),
    ("spss_stata_codes", "SPSS/Stata codes"),
)


def codebook_rows(variables: list[Variable]) -> list[dict[str, str]]:
    return [
        {
            "file": v.file,
            "variable": v.name,
            "label": v.label,
            "type": v.type_name,
            "unit": v.unit,
            "allowed_values": v.allowed,
            "required": "1" if v.required else "0",
            "value_labels": "; ".join(f"{value} = {label}" for value, label in v.value_labels),
            "spss_stata_codes": v.coding,
        }
        for v in variables
    ]


def codebook_csv(variables: list[Variable]) -> bytes:
    keys = [key for key, _ in COLUMNS]
    rows = codebook_rows(variables)
    return csv_bytes(keys, ["text"] * len(keys), ([row[k] for k in keys] for row in rows))


def codebook_html(data: ExportData) -> bytes:
    rows = codebook_rows(data.variables)
    files = []
    for row in rows:
        if not files or files[-1]["name"] != row["file"]:
            files.append({"name": row["file"], "rows": []})
        files[-1]["rows"].append(row)
    html = render_to_string(
        "exports/codebook.html",
        {"title": data.trial_title, "code": data.trial_code, "columns": COLUMNS, "files": files},
    )
    return html.encode()


def codebook_files(data: ExportData) -> dict[str, bytes]:
    return {CODEBOOK_CSV: codebook_csv(data.variables), CODEBOOK_HTML: codebook_html(data)}
