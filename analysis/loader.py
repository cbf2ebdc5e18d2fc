"""The one place where analysis reads the database: the trial's rows, in bulk, as a
`TrialDataset`.

Each table is one query (built with the ORM, so it stays true to the models) whose
rows are read straight into columns: on PostgreSQL with `COPY ... TO STDOUT` parsed
by pandas' CSV reader, elsewhere through a plain cursor in chunks. No model
instance is made per row. Rows come back in a canonical order (by participant id,
phase, week, ...), so the same data gives the same frames whatever the database's
row order or primary keys.

What is read is what the data package holds: every screening record; the
randomized participants, with the arm of their bottle (from
`diary.selectors.allocation.participant_arm_codes`); the diary weeks of those
participants that have been called (`reached` set); their adverse events. The
trial's dict also carries its statistical analysis plan (`analysis_plan`) and the
stratification factors of its randomization list (`stratify_by`, empty when it is
unstratified or there is no list).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import QuerySet

from analysis.dataset import COLUMNS, TrialDataset
from diary.models import (
    AdverseEvent,
    Arm,
    CrampEvent,
    DiaryWeek,
    Night,
    Participant,
    RandomizationList,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.package.schema import (
    ADVERSE_EVENTS,
    CRAMP_EVENTS,
    DIARY,
    FILES,
    NIGHTS,
    PARTICIPANTS,
    SCREENING,
)
from diary.selectors.allocation import participant_arm_codes
from diary.selectors.package_export import PATHS

CHUNK_ROWS = 50_000
PHASE_ORDER = {"screening": 0, "intervention": 1}

TABLE_OF = {
    SCREENING: "screening",
    PARTICIPANTS: "participants",
    DIARY: "diary",
    ADVERSE_EVENTS: "adverse_events",
    NIGHTS: "nights",
    CRAMP_EVENTS: "cramp_events",
}


def declared_columns(file: str, *, skip=()) -> dict[str, str]:
    """{ORM path: column kind} of a package file's columns, from their declarations:
    the analysis reads what the data package holds, typed as declared."""
    columns = {}
    for column in FILES[file].columns:
        if column.name in skip or column.name in FILES[file].extension_columns:
            continue
        columns[PATHS[file].get(column.name, column.name)] = COLUMNS[TABLE_OF[file]][column.name]
    return columns


def _renamed(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    names = {path: name for name, path in PATHS[file].items()}
    return frame.rename(columns=names)


def itt_dataset(*, trial: Trial) -> TrialDataset:
    """The trial's data for the intention-to-treat analysis, read in bulk."""
    arms = _read(
        Arm.objects.filter(trial=trial).order_by("code"),
        {"code": "str", "label": "str", "role": "str", "ratio": "int"},
    )
    sites = _read(
        Site.objects.filter(trial=trial).order_by("code"),
        {"code": "str", "name": "str"},
    ).rename(columns={"code": "site_code"})
    screening = _renamed(
        _read(
            ScreeningRecord.objects.filter(trial=trial).order_by("screening_id"),
            declared_columns(SCREENING),
        ),
        SCREENING,
    )
    participants = _participants(trial)
    return TrialDataset(
        trial={
            "code": trial.code,
            "title": trial.title,
            "screening_weeks": int(trial.screening_weeks),
            "intervention_weeks": int(trial.intervention_weeks),
            "analysis_plan": dict(trial.analysis_plan or {}),
            "stratify_by": _stratify_by(trial),
        },
        arms=arms.astype({"ratio": "int64"}),
        sites=sites,
        screening=screening,
        participants=participants.drop(columns="pk"),
        diary=_diary(trial, participants),
        adverse_events=_adverse_events(trial, participants),
        nights=_renamed(
            _read(
                Night.objects.filter(
                    participant__trial=trial, participant__randomized_on__isnull=False
                ).order_by("participant__participant_id", "night"),
                declared_columns(NIGHTS),
            ),
            NIGHTS,
        ),
        cramp_events=_renamed(
            _read(
                CrampEvent.objects.filter(
                    night__participant__trial=trial,
                    night__participant__randomized_on__isnull=False,
                ).order_by("night__participant__participant_id", "night__night", "position"),
                declared_columns(CRAMP_EVENTS),
            ),
            CRAMP_EVENTS,
        ),
    )


# -- the tables --------------------------------------------------------------------------


def _stratify_by(trial: Trial) -> list[str]:
    """The list's stratification factors (its parameters are sealed; the model opens
    them)."""
    randomization_list = RandomizationList.objects.filter(trial=trial).first()
    return randomization_list.stratify_by if randomization_list is not None else []


def _randomized(trial: Trial) -> QuerySet[Participant]:
    return Participant.objects.filter(trial=trial, randomized_on__isnull=False)


def _participants(trial: Trial) -> pd.DataFrame:
    frame = _renamed(
        _read(
            _randomized(trial).order_by("participant_id"),
            {"pk": "int", **declared_columns(PARTICIPANTS)},
        ),
        PARTICIPANTS,
    )
    arms = participant_arm_codes(trial=trial)
    arm_code = frame["participant_id"].map(arms) if arms else pd.Series(np.nan, index=frame.index)
    frame.insert(7, "arm_code", arm_code.astype("str"))
    return frame


def _diary(trial: Trial, participants: pd.DataFrame) -> pd.DataFrame:
    values = declared_columns(DIARY, skip=("participant_id", "phase", "week"))
    rows = _read(
        DiaryWeek.objects.filter(
            participant__trial=trial,
            participant__randomized_on__isnull=False,
            reached__isnull=False,
        ).order_by(),
        {"participant_id": "int", "protocol_week_id": "int", **values},
    )
    weeks = pd.DataFrame(
        list(trial.protocol_weeks.values_list("pk", "phase", "week")),
        columns=["pk", "phase", "week"],
    )
    who = _positions(participants["pk"], rows["participant_id"])
    which = _positions(weeks["pk"], rows["protocol_week_id"])
    phase = weeks["phase"].to_numpy(dtype=object)[which]
    week = weeks["week"].to_numpy(dtype=np.int64)[which]
    phase_rank = np.array([PHASE_ORDER[p] for p in weeks["phase"]], dtype=np.int64)[which]
    order = np.lexsort((week, phase_rank, who))
    frame = pd.DataFrame(
        {
            "participant_id": _take_str(participants["participant_id"], who[order]),
            "phase": pd.Series(phase[order], dtype="str"),
            "week": week[order],
        }
    )
    for column in values:
        frame[column] = rows[column].to_numpy()[order]
    return frame


def _adverse_events(trial: Trial, participants: pd.DataFrame) -> pd.DataFrame:
    rows = _read(
        AdverseEvent.objects.filter(
            participant__trial=trial, participant__randomized_on__isnull=False
        ).order_by("participant__participant_id", "onset_on", "term", "pk"),
        declared_columns(ADVERSE_EVENTS),
    )
    return _renamed(rows, ADVERSE_EVENTS)


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Index into `keys` of each value (every value is one of the keys)."""
    index = pd.Index(keys.to_numpy(dtype=np.int64))
    found = index.get_indexer(values.to_numpy(dtype=np.int64))
    if (found < 0).any():
        raise LookupError("a row refers to a record outside the trial")
    return found


def _take_str(values: pd.Series, positions: np.ndarray) -> pd.Series:
    codes = pd.Categorical.from_codes(positions, categories=pd.Index(values.to_numpy(object)))
    return pd.Series(codes).astype("str")


# -- reading rows into columns -------------------------------------------------------------


def _read(queryset: QuerySet, columns: dict[str, str]) -> pd.DataFrame:
    """Read `queryset.values_list(*columns)` into a frame with the given column kinds.

    Kinds: "str" (blank is missing), "int" (never missing), "Int64", "float", "bool",
    "boolean" (nullable), "date" (datetime64[ns]).
    """
    sql, params = queryset.values_list(*columns).query.sql_with_params()
    if connection.vendor == "postgresql":
        raw = _copy_csv(sql, params, columns)
    else:
        raw = _fetch(sql, params, list(columns))
    return pd.DataFrame({name: CONVERT[kind](raw[name]) for name, kind in columns.items()})


def _copy_csv(sql: str, params, columns: dict[str, str]) -> pd.DataFrame:
    buffer = io.BytesIO()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    numeric = {"int": "int64", "Int64": "float64", "float": "float64"}
    return pd.read_csv(
        buffer,
        header=None,
        names=list(columns),
        dtype={name: numeric.get(kind, "object") for name, kind in columns.items()},
        keep_default_na=False,
        na_values={name: [""] for name in columns},
        engine="c",
    )


def _fetch(sql: str, params, names: list[str]) -> pd.DataFrame:
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            rows.extend(chunk)
    return pd.DataFrame.from_records(rows, columns=names, coerce_float=True)


def _str(values: pd.Series) -> pd.Series:
    """Text; an empty value (the database's blank) is missing."""
    raw = values.to_numpy(dtype=object)
    blank = pd.isna(raw) | (raw == "")
    return pd.Series(np.where(blank, None, raw), dtype="str")


def _date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d").astype("datetime64[ns]")


def _flag(values: pd.Series) -> pd.Series:
    """Booleans from True/False, 1/0 or PostgreSQL's t/f text; missing stays missing."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    flags = pd.Series(values.isin([True, 1, "t"]).to_numpy(), dtype="boolean")
    flags[values.isna().to_numpy()] = pd.NA
    return flags


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="raise").astype("float64")


CONVERT: dict[str, Callable[[pd.Series], pd.Series]] = {
    "str": _str,
    "int": lambda v: _number(v).astype("int64"),
    "Int64": lambda v: _number(v).astype("Int64"),
    "float": _number,
    "bool": lambda v: _flag(v).astype(bool),
    "boolean": _flag,
    "date": _date,
}
