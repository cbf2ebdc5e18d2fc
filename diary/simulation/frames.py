"""Assembling a simulated trial's arrays into the data package's tables, with the
analysis dataset's dtypes."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diary.simulation.plan import (
    ADVERSE_EVENT_COLUMNS,
    ALLOCATION_COLUMNS,
    DIARY_COLUMNS,
    PARTICIPANT_COLUMNS,
    SCREENING_COLUMNS,
)


@dataclass
class DiaryArrays:
    """All participants' diary values (rows in randomization order).

    Screening weeks (n x S) are all reached. Intervention weeks (n x W): `has_row`
    marks a call made, `observed` a call that reached the participant; values are
    read only where observed, duration and severity only where cramps > 0.
    """

    screening_calls: np.ndarray
    screening_counts: np.ndarray
    screening_duration: np.ndarray
    screening_severity: np.ndarray
    call_date: np.ndarray
    has_row: np.ndarray
    observed: np.ndarray
    counts: np.ndarray
    duration: np.ndarray
    severity: np.ndarray
    capsules_missed: np.ndarray


def _dates(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="datetime64[ns]"))


def screening_frame(ids, site, screened_on, sex, age, outcome, reason) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "screening_id": ids,
            "site_code": site,
            "screened_on": _dates(screened_on),
            "sex": sex,
            "age": np.asarray(age, dtype=float),
            "outcome": outcome,
            "reason": pd.Series(reason, dtype=object),
        }
    )
    return frame[SCREENING_COLUMNS]


def participant_ids(site_code: np.ndarray, screening_index: np.ndarray) -> np.ndarray:
    """<site>-<nnn>, numbered within each site in the order of screening."""
    frame = pd.DataFrame({"site": site_code, "order": screening_index})
    number = frame.sort_values("order").groupby("site").cumcount().reindex(frame.index) + 1
    return (frame["site"] + "-" + number.map("{:03d}".format)).to_numpy(dtype=object)


def participant_frame(enrolment, arms, chars, follow, screening: pd.DataFrame) -> pd.DataFrame:
    n = len(arms)
    frame = pd.DataFrame(
        {
            "participant_id": participant_ids(enrolment.site_code, enrolment.screening_index),
            "screening_id": screening["screening_id"].to_numpy()[enrolment.screening_index],
            "site_code": enrolment.site_code,
            "consented_on": _dates(enrolment.consented_on),
            "randomized_on": _dates(enrolment.randomized_on),
            "bottle_number": pd.array(np.arange(1, n + 1), dtype="Int64"),
            "arm_code": arms,
            "sex": chars["sex"],
            "age": np.asarray(chars["age"], dtype=float),
            "height_cm": np.asarray(chars["height_cm"], dtype=float),
            "weight_kg": np.asarray(chars["weight_kg"], dtype=float),
            "hypertension": np.asarray(chars["hypertension"], dtype=bool),
            "diabetes": np.asarray(chars["diabetes"], dtype=bool),
            "creatinine_mg_dl": np.asarray(chars["creatinine_mg_dl"], dtype=float),
            "withdrawn_on": _dates(follow.withdrawn_on),
            "withdrawal_reason": pd.Series(follow.withdrawal_reason, dtype=object),
        }
    )
    return frame[PARTICIPANT_COLUMNS]


def allocation_frame(arms: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bottle_number": pd.array(np.arange(1, len(arms) + 1), dtype="Int64"),
            "arm_code": np.asarray(arms, dtype=object),
        }
    )[ALLOCATION_COLUMNS]


def diary_frame(participant_id: np.ndarray, d: DiaryArrays) -> pd.DataFrame:
    """One row per screening week and per intervention week with a call, each
    participant's screening weeks first, in randomization order."""
    n, s_weeks = d.screening_counts.shape
    w_weeks = d.counts.shape[1]
    reached = np.hstack([np.ones((n, s_weeks), dtype=bool), d.observed])
    cramps = np.hstack([d.screening_counts, d.counts]).astype(float)
    cramps[~reached] = np.nan
    with_cramps = reached & (cramps > 0)
    capsules = np.hstack([np.full((n, s_weeks), np.nan), d.capsules_missed.astype(float)])
    capsules[~reached] = np.nan
    columns = {
        "participant_id": np.repeat(np.asarray(participant_id, dtype=object), s_weeks + w_weeks),
        "phase": np.tile(
            np.array(["screening"] * s_weeks + ["intervention"] * w_weeks, dtype=object), n
        ),
        "week": np.tile(np.r_[1 : s_weeks + 1, 1 : w_weeks + 1], n).astype(np.int64),
        "call_date": np.hstack([d.screening_calls, d.call_date]).astype("datetime64[ns]"),
        "reached": reached,
        "cramps": cramps,
        "duration_min": np.where(
            with_cramps, np.hstack([d.screening_duration, d.duration]), np.nan
        ),
        "severity": np.where(with_cramps, np.hstack([d.screening_severity, d.severity]), np.nan),
        "capsules_missed": capsules,
    }
    keep = np.hstack([np.ones((n, s_weeks), dtype=bool), d.has_row]).ravel()
    frame = pd.DataFrame({k: (v if v.ndim == 1 else v.ravel()) for k, v in columns.items()})
    return frame[keep].reset_index(drop=True)[DIARY_COLUMNS]


def adverse_event_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=ADVERSE_EVENT_COLUMNS)
    for column in ("onset_on", "resolved_on"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame["serious"] = frame["serious"].astype(bool)
    return frame.sort_values(["onset_on", "participant_id"]).reset_index(drop=True)
