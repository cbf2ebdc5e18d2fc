"""The export formats by name: their files as bytes, or written to a path.

`format_files` gives a format's files (what a folder or .zip of that format holds);
`stored_files` the files a stored export keeps (one .zip per bundled format, the
workbook and the codebook pages as they are); `export_write` writes a format to a
path for the export_trial command.
"""

from pathlib import Path

from django.utils.translation import gettext_noop

from diary.exports.codebook import CODEBOOK_CSV, CODEBOOK_HTML, codebook_files
from diary.exports.data import ExportData, export_data
from diary.exports.spss import spss_files
from diary.exports.stata import stata_files
from diary.exports.xlsx import xlsx_bytes
from diary.models import Trial
from diary.package.writer import file_write, package_files, package_write, zip_bytes

FORMATS = ("package", "xlsx", "spss", "stata", "codebook", "odm")
FORMAT_LABELS = {
    "package": gettext_noop("Data package (CSV files and trial.json, zip)"),
    "xlsx": gettext_noop("Excel workbook"),
    "spss": gettext_noop("SPSS .sav files (zip)"),
    "stata": gettext_noop("Stata .dta files (zip)"),
    "codebook": gettext_noop("Codebook (CSV and HTML)"),
    "odm": gettext_noop("CDISC ODM 1.3.2 (XML: metadata, data, audit trail, signatures)"),
}


def format_files(data: ExportData, fmt: str) -> dict[str, bytes]:
    if fmt == "package":
        return package_files(trial_json=data.trial_json, tables=data.tables)
    if fmt == "xlsx":
        return {"data.xlsx": xlsx_bytes(data)}
    if fmt == "spss":
        return spss_files(data)
    if fmt == "stata":
        return stata_files(data)
    if fmt == "codebook":
        return codebook_files(data)
    if fmt == "odm":
        from diary.exports.odm import odm_files

        return odm_files(data)
    raise ValueError(f"unknown export format {fmt!r}")


def stored_files(data: ExportData, fmt: str) -> dict[str, bytes]:
    """{name suffix: content} of a format in a stored export: package.zip, data.xlsx,
    spss.zip, stata.zip, codebook.csv and codebook.html. No name holds an arm."""
    if fmt == "codebook":
        files = codebook_files(data)
        return {CODEBOOK_CSV: files[CODEBOOK_CSV], CODEBOOK_HTML: files[CODEBOOK_HTML]}
    if fmt in ("xlsx", "odm"):
        return format_files(data, fmt)
    return {f"{fmt}.zip": zip_bytes(format_files(data, fmt))}


def export_write(*, trial: Trial, unblinded: bool, path: str | Path, format: str) -> Path:
    """Write one format to `path`: the workbook to that file; the other formats to a
    new folder, or a .zip when the path ends in .zip. The ODM file is written to `path`."""
    if format == "odm":
        from diary.exports.odm import odm_bytes

        return file_write(content=odm_bytes(trial=trial, unblinded=unblinded), path=path)
    data = export_data(trial=trial, unblinded=unblinded)
    if format == "xlsx":
        return file_write(content=xlsx_bytes(data), path=path)
    return package_write(files=format_files(data, format), path=path)
