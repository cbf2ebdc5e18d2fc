"""The analysis dataset: the trial's data as pandas DataFrames, with parsed dtypes.

`TrialDataset` is the contract between capture and analysis. Its frames have the
columns of the data package's CSV files (`participants` also carries `arm_code`,
joined from the randomization list, or NA when the arm is unknown).

`trial` holds the protocol's code, title and weeks, and may hold `analysis_plan` (the
statistical analysis plan, analysis.plan) and `stratify_by` (the randomization
list's stratification factors).

`read_package(path)` reads a data-package folder (or zip) without validating it;
validation is the import's job. `canonical_sha256(dataset)` hashes a canonical
serialisation, so equal data always gives the same hash whatever the row order,
the column order or the dtypes it was loaded with.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError, PackageError
from diary.package.schema import (
    ADVERSE_EVENTS,
    CRAMP_EVENTS,
    DIARY,
    FILES,
    NIGHTS,
    PARTICIPANTS,
    SCREENING,
    SITES,
)

# Column kinds: "str", "int" (never missing), "Int64" (nullable integer), "float",
# "bool" (never missing), "boolean" (nullable), "date".
KINDS = {
    "identifier": "str",
    "text": "str",
    "enum": "str",
    "date": "date",
    "decimal": "float",
    "int": "float",
}


def _kind(column) -> str:
    if column.name == "bottle_number":
        return "Int64"  # an identifier that is a number, never averaged
    if column.name == "week":
        return "int"
    return KINDS.get(column.kind) or ("bool" if column.required else "boolean")


def _declared(file: str, *, after: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """The columns of a package file, typed from their declarations (the records of
    diary.declarations), with `after[name]` inserted after column `name`. Extension
    columns (written only for some trials) are not part of the analysis."""
    columns: dict[str, str] = {}
    for column in FILES[file].columns:
        if column.name in FILES[file].extension_columns:
            continue
        columns[column.name] = _kind(column)
        columns.update((after or {}).get(column.name, {}))
    return columns


COLUMNS: dict[str, dict[str, str]] = {
    "arms": {"code": "str", "label": "str", "role": "str", "ratio": "int"},
    "sites": _declared(SITES),
    "screening": _declared(SCREENING),
    # The arm of the participant's bottle, from the randomization list (NA unknown).
    "participants": _declared(PARTICIPANTS, after={"bottle_number": {"arm_code": "str"}}),
    "diary": _declared(DIARY),
    "adverse_events": _declared(ADVERSE_EVENTS),
    # The electronic diary (empty for a trial without one).
    "nights": _declared(NIGHTS),
    "cramp_events": _declared(CRAMP_EVENTS),
}
TABLES = tuple(COLUMNS)
# Each table's natural key, the order its rows are hashed and analysed in.
SORT_KEYS = {
    "arms": ["code"],
    "sites": ["site_code"],
    "screening": ["screening_id"],
    "participants": ["participant_id"],
    "diary": ["participant_id", "phase", "week"],
    "adverse_events": ["participant_id", "onset_on", "term"],
    "nights": ["participant_id", "night"],
    "cramp_events": ["participant_id", "night"],
}
TRIAL_KEYS = ("code", "title", "screening_weeks", "intervention_weeks")


@dataclass(frozen=True, eq=False)
class TrialDataset:
    """One trial's data; every frame has the columns listed in `COLUMNS`."""

    trial: dict[str, Any]
    arms: pd.DataFrame
    sites: pd.DataFrame
    screening: pd.DataFrame
    participants: pd.DataFrame
    diary: pd.DataFrame
    adverse_events: pd.DataFrame
    nights: pd.DataFrame = field(default_factory=lambda: coerce_frame("nights", None))
    cramp_events: pd.DataFrame = field(default_factory=lambda: coerce_frame("cramp_events", None))

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def coerce_frame(name: str, data: pd.DataFrame | list[dict] | None) -> pd.DataFrame:
    """Return the table `name` with exactly its columns, in order, with parsed dtypes.

    Accepts strings (as read from CSV, blank meaning missing) or Python values
    (dates, Decimals, bools); a missing column is filled with missing values.
    """
    frame = pd.DataFrame(data if data is not None else [])
    out = {}
    for column, kind in COLUMNS[name].items():
        values = frame[column] if column in frame else pd.Series([None] * len(frame))
        out[column] = _coerce(values.reset_index(drop=True), kind)
    return pd.DataFrame(out)


def _coerce(values: pd.Series, kind: str) -> pd.Series:
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        values = values.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    if kind == "str":
        return values.astype("object").where(values.notna(), None).astype("str")
    if kind == "date":
        return pd.to_datetime(values).astype("datetime64[ns]")
    if kind in ("bool", "boolean") and pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(bool if kind == "bool" else "boolean")
    if kind in ("bool", "boolean"):
        mapping = {"1": True, "0": False, "true": True, "false": False}
        parsed = values.map(lambda v: mapping.get(str(v).strip().lower()) if pd.notna(v) else None)
        parsed = parsed.astype("boolean")
        return parsed.astype(bool) if kind == "bool" else parsed
    numbers = _numbers(values, errors="raise")
    if kind == "int":
        return numbers.astype("int64")
    if kind == "Int64":
        return numbers.astype("Int64")
    return numbers.astype("float64")


# -- reading a package ----------------------------------------------------------------


def read_package(path: str | Path) -> TrialDataset:
    """Read a data-package folder or zip into a TrialDataset (no validation).

    `trial.json` is required here (it holds the arms and the number of weeks);
    a missing CSV file reads as an empty table. Without `allocation.csv` every
    participant's `arm_code` is NA.
    """
    files = _package_files(Path(path))
    if "trial.json" not in files:
        raise PackageError(f"{path}: trial.json is missing")
    protocol = json.loads(files["trial.json"].decode("utf-8-sig"))
    trial = {key: protocol.get(key) for key in TRIAL_KEYS}
    if protocol.get("analysis_plan"):
        trial["analysis_plan"] = protocol["analysis_plan"]
    trial["screening_weeks"] = int(trial["screening_weeks"])
    trial["intervention_weeks"] = int(trial["intervention_weeks"])
    frames = {name: _read_csv(files, f"{name}.csv") for name in TABLES if name != "arms"}
    participants = frames["participants"]
    allocation = _read_csv(files, "allocation.csv")
    if allocation is not None and "arm_code" in allocation:
        bottles = pd.to_numeric(allocation["bottle_number"]).astype("Int64")
        arm_of_bottle = pd.Series(allocation["arm_code"].to_numpy(), index=bottles)
        arm_of_bottle = arm_of_bottle[~arm_of_bottle.index.duplicated()]
        if participants is not None and "bottle_number" in participants:
            own = pd.to_numeric(participants["bottle_number"]).astype("Int64")
            participants = participants.assign(arm_code=own.map(arm_of_bottle).to_numpy())
    frames["participants"] = participants
    return TrialDataset(
        trial=trial,
        arms=coerce_frame("arms", protocol.get("arms", [])),
        **{name: coerce_frame(name, frame) for name, frame in frames.items()},
    )


def _package_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            return {n.rsplit("/", 1)[-1]: archive.read(n) for n in names if n.count("/") <= 1}
    raise PackageError(f"{path}: not a folder or a zip file")


def _read_csv(files: dict[str, bytes], name: str) -> pd.DataFrame | None:
    if name not in files:
        return None
    text = files[name].decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# -- canonical hash -------------------------------------------------------------------


def canonical_sha256(dataset: TrialDataset) -> str:
    """SHA-256 of the dataset in a canonical form.

    Tables in a fixed order, each with its fixed columns; rows sorted by every
    column; numbers (integers, decimals, booleans and dates as day numbers) as
    little-endian float64 with a separate missing mask; text as sorted distinct
    values plus each row's index into them. Row order, column order, extra
    columns and dtype differences (int vs float, Decimal vs float) do not change it.
    """
    digest = hashlib.sha256()
    trial = {key: dataset.trial.get(key) for key in TRIAL_KEYS}
    trial["screening_weeks"] = int(trial["screening_weeks"])
    trial["intervention_weeks"] = int(trial["intervention_weeks"])
    digest.update(json.dumps(trial, sort_keys=True, ensure_ascii=True).encode())
    for name in TABLES:
        frame = dataset.table(name)
        missing = [c for c in COLUMNS[name] if c not in frame]
        if missing:
            raise AnalysisError(f"table {name} lacks columns: {', '.join(missing)}")
        columns = {c: _canonical_column(frame[c], kind) for c, kind in COLUMNS[name].items()}
        order = _row_order(columns, SORT_KEYS[name])
        digest.update(f"\x1e{name}\x1f{','.join(COLUMNS[name])}\x1f{len(frame)}".encode())
        for column, (kind, payload) in columns.items():
            digest.update(f"\x1d{column}".encode())
            if kind == "text":
                codes, uniques = payload
                digest.update("\x1f".join(uniques).encode("utf-8", "surrogatepass"))
                digest.update(b"\x1c")
                digest.update(codes[order].astype("<i8").tobytes())
            else:
                mask, numbers = payload
                digest.update(mask[order].astype("u1").tobytes())
                digest.update(numbers[order].astype("<f8").tobytes())
    return digest.hexdigest()


def _row_order(columns: dict, key: list[str]) -> np.ndarray:
    """Rows sorted by the table's natural key; by every column when the key repeats."""

    def sort_keys(names):
        keys = []
        for name in names:
            kind, payload = columns[name]
            keys += [payload[0]] if kind == "text" else [payload[0], payload[1]]
        return keys

    keys = sort_keys(key)
    order = np.lexsort(keys[::-1])
    ordered = [k[order] for k in keys]
    repeats = np.ones(max(len(order) - 1, 0), dtype=bool)
    for values in ordered:
        repeats &= values[1:] == values[:-1]
    if repeats.any():
        order = np.lexsort(sort_keys([*key, *(c for c in columns if c not in key)])[::-1])
    return order


def _canonical_column(values: pd.Series, kind: str) -> tuple[str, tuple[np.ndarray, Any]]:
    if kind == "str":
        codes, uniques = pd.factorize(values.astype("object"), sort=True, use_na_sentinel=True)
        return "text", (codes.astype(np.int64), [str(u) for u in uniques])
    if kind == "date":
        dates = pd.to_datetime(values).astype("datetime64[ns]")
        mask = dates.isna().to_numpy()
        days = dates.to_numpy().astype("datetime64[D]").astype(np.int64).astype(np.float64)
    elif kind in ("bool", "boolean"):
        flags = values.astype("boolean")
        mask = flags.isna().to_numpy()
        days = flags.fillna(False).to_numpy(dtype=np.float64)
    else:
        numbers = _numbers(values, errors="coerce").astype("float64")
        mask = numbers.isna().to_numpy()
        days = numbers.to_numpy(dtype=np.float64)
    days = np.where(mask, 0.0, days) + 0.0  # + 0.0 turns -0.0 into 0.0
    return "number", (mask, days)


def _numbers(values: pd.Series, *, errors: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values
    return pd.to_numeric(values.astype("object"), errors=errors)


def in_canonical_order(dataset: TrialDataset) -> TrialDataset:
    """The same data with every table's rows in a fixed order (its natural key), so
    sums and means are taken in the same order however the rows were loaded."""
    frames = {
        name: dataset.table(name)
        .sort_values(SORT_KEYS[name], kind="stable", na_position="last")
        .reset_index(drop=True)
        for name in TABLES
    }
    return TrialDataset(trial=dataset.trial, **frames)
