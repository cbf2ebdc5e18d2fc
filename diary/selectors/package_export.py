"""The trial's data as a data package: trial.json and one DataFrame per CSV file.

Read in bulk (values() queries, no model object per row), rows sorted in a fixed
order, so the same data always gives the same package. Blinding: only an
unblinded export holds allocation.csv, and a blinded trial.json names the arms
neutrally ("arm_1", "arm_2"), so no arm code or label leaves in a blinded export.
"""

import pandas as pd

from diary.models import (
    AdverseEvent,
    ArmRole,
    CrampEvent,
    DiaryWeek,
    Night,
    Participant,
    ScreeningRecord,
    Trial,
)
from diary.package.schema import (
    ADVERSE_EVENTS,
    ALLOCATION,
    CRAMP_EVENTS,
    DIARY,
    FILES,
    NIGHTS,
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
        "site_prefixed_ids": trial.site_prefixed_ids or None,
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
        NIGHTS: _nights(trial),
        CRAMP_EVENTS: _cramp_events(trial),
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


# Where a column's value lives when it is not the model field of the same name.
PATHS = {
    SITES: {"site_code": "code"},
    SCREENING: {"site_code": "site__code"},
    PARTICIPANTS: {"screening_id": "screening__screening_id", "site_code": "site__code"},
    DIARY: {
        "participant_id": "participant__participant_id",
        "phase": "protocol_week__phase",
        "week": "protocol_week__week",
    },
    ADVERSE_EVENTS: {"participant_id": "participant__participant_id"},
    NIGHTS: {"participant_id": "participant__participant_id"},
    CRAMP_EVENTS: {
        "participant_id": "night__participant__participant_id",
        "night": "night__night",
    },
}


def _values(name: str, queryset):
    """values_list of the file's columns, in the contract's order (decimals as floats)."""
    paths = [PATHS[name].get(c.name, c.name) for c in FILES[name].columns]
    decimals = [i for i, c in enumerate(FILES[name].columns) if c.kind == "decimal"]
    rows = queryset.values_list(*paths)
    return rows, decimals


def _sites(trial: Trial) -> pd.DataFrame:
    rows, _ = _values(SITES, trial.sites.all())
    return _frame(SITES, sorted(rows))


def _screening(trial: Trial) -> pd.DataFrame:
    rows, _ = _values(SCREENING, ScreeningRecord.objects.filter(trial=trial))
    return _frame(SCREENING, sorted(rows))


def _randomized(trial: Trial):
    return Participant.objects.filter(trial=trial, randomized_on__isnull=False)


def _participants(trial: Trial) -> pd.DataFrame:
    rows, decimals = _values(PARTICIPANTS, _randomized(trial))
    rows = sorted(rows, key=lambda row: row[0])
    return _frame(PARTICIPANTS, [_floats(row, decimals) for row in rows])


def _floats(row: tuple, positions) -> tuple:
    return tuple(float(v) if i in positions and v is not None else v for i, v in enumerate(row))


def _allocation(trial: Trial) -> pd.DataFrame:
    """The randomization list opened (arms, blocks, strata); `is_spare` only when it
    has spares."""
    from diary.models import RandomizationList
    from diary.selectors.allocation import randomization_list_rows

    randomization_list = RandomizationList.objects.filter(trial=trial).first()
    rows = sorted(
        (row.bottle_number, row.arm_code, row.block, row.stratum, row.is_spare)
        for row in (
            randomization_list_rows(randomization_list=randomization_list)
            if randomization_list
            else []
        )
    )
    frame = _frame(ALLOCATION, rows)
    return frame if frame["is_spare"].any() else frame.drop(columns=["is_spare"])


def _diary(trial: Trial) -> pd.DataFrame:
    """Every called week (reached or not) of the randomized participants; weeks not
    called yet are not part of the data."""
    weeks, decimals = _values(
        DIARY,
        DiaryWeek.objects.filter(
            participant__in=_randomized(trial), reached__isnull=False
        ).order_by(),
    )
    rows = [_floats(row, decimals) for row in weeks.iterator(chunk_size=10000)]
    rows.sort(key=lambda r: (r[0], PHASE_ORDER[r[1]], r[2]))
    frame = _frame(DIARY, rows)
    # Where the values came from is written only when some week was not told by phone.
    if frame["source"].isin(["diary", "corrected"]).any():
        return frame
    return frame.drop(columns=["source"])


def _nights(trial: Trial) -> pd.DataFrame:
    """The electronic diary's nights of the randomized participants."""
    rows, _ = _values(NIGHTS, Night.objects.filter(participant__in=_randomized(trial)).order_by())
    return _frame(NIGHTS, sorted(rows, key=lambda r: (r[0], r[1])))


def _cramp_events(trial: Trial) -> pd.DataFrame:
    """Each cramp of those nights, in the order entered within its night."""
    events = CrampEvent.objects.filter(night__participant__in=_randomized(trial)).order_by()
    paths = [PATHS[CRAMP_EVENTS].get(c.name, c.name) for c in FILES[CRAMP_EVENTS].columns]
    rows = sorted(events.values_list(*paths, "position"), key=lambda r: (r[0], r[1], r[4]))
    return _frame(CRAMP_EVENTS, [(p, n, float(d), float(s)) for p, n, d, s, _ in rows])


def _adverse_events(trial: Trial) -> pd.DataFrame:
    rows, _ = _values(
        ADVERSE_EVENTS, AdverseEvent.objects.filter(participant__in=_randomized(trial))
    )
    return _frame(ADVERSE_EVENTS, sorted(rows, key=_nones_last))
