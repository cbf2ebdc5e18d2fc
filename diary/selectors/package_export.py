"""The trial's data as a data package: trial.json and one DataFrame per CSV file.

Read in bulk (values() queries, no model object per row), rows sorted in a fixed
order, so the same data always gives the same package. Blinding: only an
unblinded export holds allocation.csv, and a blinded trial.json names the arms
neutrally ("arm_1", "arm_2"), so no arm code or label leaves in a blinded export.
"""

import pandas as pd

from diary.crypto import open_arm
from diary.models import (
    AdverseEvent,
    ArmRole,
    DiaryWeek,
    ListEntry,
    Participant,
    ScreeningRecord,
    Trial,
)
from diary.package.schema import (
    ADVERSE_EVENTS,
    ALLOCATION,
    DIARY,
    FILES,
    PARTICIPANTS,
    SCREENING,
    SITES,
)

DTYPES = {"int": "Int64", "decimal": "float64", "bool": "boolean", "date": "datetime64[s]"}
PHASE_ORDER = {"screening": 0, "intervention": 1}


def package_trial_json(*, trial: Trial, unblinded: bool) -> dict:
    """trial.json: the contract's keys, then the protocol settings the app keeps."""
    arms = sorted(trial.arms.all(), key=lambda a: (a.role != ArmRole.EXPERIMENTAL, a.code))
    protocol = {
        "code": trial.code,
        "title": trial.title,
        "arms": [
            {
                "code": arm.code if unblinded else f"arm_{i}",
                "label": arm.label if unblinded else f"Arm {i} (blinded)",
                "role": arm.role,
                "ratio": arm.ratio,
            }
            for i, arm in enumerate(arms, start=1)
        ],
        "screening_weeks": trial.screening_weeks,
        "intervention_weeks": trial.intervention_weeks,
        "call_window_days": trial.call_window_days,
        "min_age": trial.min_age,
        "min_screening_cramps": trial.min_screening_cramps,
        "target_enrolment": trial.target_enrolment,
        "criteria": list(
            trial.criteria.order_by("position", "kind", "code").values("code", "kind", "text")
        ),
        "analysis_plan": trial.analysis_plan or None,
    }
    return {k: v for k, v in protocol.items() if v is not None and v != []}


def package_tables(*, trial: Trial, unblinded: bool) -> dict[str, pd.DataFrame]:
    """One DataFrame per CSV file of the package (allocation.csv only when unblinded),
    columns in the contract's order, typed: Int64 integers, float decimals, boolean
    flags, datetime dates, text with missing values as NA."""
    tables = {
        SITES: _sites(trial),
        SCREENING: _screening(trial),
        PARTICIPANTS: _participants(trial),
        DIARY: _diary(trial),
        ADVERSE_EVENTS: _adverse_events(trial),
    }
    if unblinded:
        tables[ALLOCATION] = _allocation(trial)
    return {name: tables[name] for name in FILES if name in tables}


def _frame(name: str, rows: list[tuple]) -> pd.DataFrame:
    columns = FILES[name].columns
    data = {}
    for i, column in enumerate(columns):
        values = [row[i] for row in rows]
        if column.kind in DTYPES:
            data[column.name] = pd.Series(values, dtype=DTYPES[column.kind])
        else:
            data[column.name] = pd.Series([v if v != "" else None for v in values], dtype=object)
    return pd.DataFrame(data, columns=[c.name for c in columns])


def _nones_last(row: tuple) -> tuple:
    return tuple((value is None, value if value is not None else 0) for value in row)


def _sites(trial: Trial) -> pd.DataFrame:
    rows = sorted(trial.sites.values_list("code", "name"))
    return _frame(SITES, rows)


def _screening(trial: Trial) -> pd.DataFrame:
    rows = sorted(
        ScreeningRecord.objects.filter(trial=trial).values_list(
            "screening_id", "site__code", "screened_on", "sex", "age", "outcome", "reason"
        )
    )
    return _frame(SCREENING, rows)


def _randomized(trial: Trial):
    return Participant.objects.filter(trial=trial, randomized_on__isnull=False)


def _participants(trial: Trial) -> pd.DataFrame:
    rows = sorted(
        _randomized(trial).values_list(
            "participant_id",
            "screening__screening_id",
            "site__code",
            "consented_on",
            "randomized_on",
            "bottle_number",
            "sex",
            "age",
            "height_cm",
            "weight_kg",
            "hypertension",
            "diabetes",
            "creatinine_mg_dl",
            "withdrawn_on",
            "withdrawal_reason",
        ),
        key=lambda row: row[0],
    )
    return _frame(PARTICIPANTS, [_floats(row, (8, 9, 12)) for row in rows])


def _floats(row: tuple, positions: tuple[int, ...]) -> tuple:
    return tuple(float(v) if i in positions and v is not None else v for i, v in enumerate(row))


def _allocation(trial: Trial) -> pd.DataFrame:
    """The randomization list with its arms opened; `is_spare` only when it has spares."""
    entries = ListEntry.objects.filter(randomization_list__trial=trial).values_list(
        "bottle_number", "arm_sealed", "block", "stratum", "is_spare"
    )
    rows = sorted(
        (bottle, open_arm(sealed), block, stratum, spare)
        for bottle, sealed, block, stratum, spare in entries
    )
    frame = _frame(ALLOCATION, rows)
    return frame if frame["is_spare"].any() else frame.drop(columns=["is_spare"])


def _diary(trial: Trial) -> pd.DataFrame:
    """Every called week (reached or not) of the randomized participants; weeks not
    called yet are not part of the data."""
    weeks = (
        DiaryWeek.objects.filter(participant__in=_randomized(trial), reached__isnull=False)
        .values_list(
            "participant__participant_id",
            "protocol_week__phase",
            "protocol_week__week",
            "call_date",
            "reached",
            "cramps",
            "duration_min",
            "severity",
            "capsules_missed",
        )
        .order_by()
    )
    rows = [_floats(row, (6, 7)) for row in weeks.iterator(chunk_size=10000)]
    rows.sort(key=lambda r: (r[0], PHASE_ORDER[r[1]], r[2]))
    return _frame(DIARY, rows)


def _adverse_events(trial: Trial) -> pd.DataFrame:
    rows = AdverseEvent.objects.filter(participant__in=_randomized(trial)).values_list(
        "participant__participant_id",
        "onset_on",
        "term",
        "serious",
        "grade",
        "relatedness",
        "outcome",
        "resolved_on",
    )
    return _frame(ADVERSE_EVENTS, sorted(rows, key=_nones_last))
