"""Writing a data package, byte for byte the same for the same data.

Rows come sorted from the selector; cells are written in one fixed way:
integers as integers, decimals without trailing zeros, booleans 0/1, ISO
dates, empty for a missing value, and text that a spreadsheet would run behind one
apostrophe (diary.package.formulas). A .zip holds the files at its root with fixed
timestamps, so equal data gives an equal zip.
"""

import io
import json
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from diary.csvfiles import csv_writer
from diary.package.formulas import csv_text
from diary.package.schema import FILES, TRIAL_JSON

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_cell(value, kind: str) -> str:
    if _missing(value):
        return ""
    if kind == "bool":
        return "1" if value else "0"
    if kind == "int":
        return str(int(value))
    if kind == "decimal":
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return np.format_float_positional(float(value), trim="-")
    if kind == "date":
        if isinstance(value, datetime | pd.Timestamp):
            value = value.date()
        return value.isoformat() if isinstance(value, date) else str(value)
    return csv_text(str(value))


def csv_bytes(header: Sequence[str], kinds: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV (no byte-order mark, \\n line ends, minimal standard quoting)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows([format_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows)
    return buffer.getvalue().encode()


def frame_csv_bytes(name: str, frame: pd.DataFrame) -> bytes:
    """A package table (columns in the contract's order) as its CSV file."""
    spec = FILES[name]
    columns = [c for c in spec.columns if c.name not in spec.extension_columns or c.name in frame]
    kinds = [c.kind for c in columns]
    values = [frame[c.name].tolist() for c in columns]
    return csv_bytes([c.name for c in columns], kinds, zip(*values, strict=True))


def trial_json_bytes(protocol: Mapping) -> bytes:
    return (json.dumps(protocol, indent=2, ensure_ascii=False) + "\n").encode()


def package_files(*, trial_json: Mapping, tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    files = {TRIAL_JSON: trial_json_bytes(trial_json)}
    for name, frame in tables.items():
        files[name] = frame_csv_bytes(name, frame)
    return files


def package_write(*, files: Mapping[str, bytes], path: str | Path) -> Path:
    """Write the files as a .zip (a path ending in .zip) or into a new folder."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        _write_zip(files, path)
    else:
        _write_folder(files, path)
    return path


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """The files as a .zip (at its root, sorted, fixed timestamps): equal files give
    an equal zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=6)
    return buffer.getvalue()


def file_write(*, content: bytes, path: str | Path) -> Path:
    """Write one file whole or not at all (a partial file is renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)
    return path


def _write_zip(files: Mapping[str, bytes], path: Path) -> None:
    file_write(content=zip_bytes(files), path=path)


def _write_folder(files: Mapping[str, bytes], path: Path) -> None:
    # A new or empty folder only: an older export's files (an allocation.csv left by
    # an unblinded export) must never sit beside a blinded one.
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(f"{path} exists and is not an empty folder")
    path.mkdir(parents=True, exist_ok=True)
    for name in sorted(files):
        (path / name).write_bytes(files[name])
