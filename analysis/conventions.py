"""The analysis conventions of the data-package spec, as pure functions of DataFrames.

Frames produced here carry `participant_id`, `arm` (the report's name for the
participant's group) and one column per outcome (`OUTCOMES`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from analysis.errors import AnalysisError, InvalidParameters
from analysis.stats import group_codes, grouped_means

OUTCOMES = ("frequency", "duration", "severity")
IMPUTATIONS = ("arm_week_mean", "participant_mean", "complete_case")
DEFAULT_IMPUTATION = "arm_week_mean"
# What each choice is called wherever a reader sees it (pages, reports, workbooks).
IMPUTATION_LABELS = {
    "arm_week_mean": gettext_noop("Arm-week mean (single mean imputation, as published)"),
    "participant_mean": gettext_noop("The participant's own mean (single mean imputation)"),
    "complete_case": gettext_noop("Complete cases (observed weeks only)"),
}


def check_imputation(imputation: str) -> str:
    if imputation not in IMPUTATIONS:
        raise InvalidParameters(
            f"unknown imputation {imputation!r}; choose one of {', '.join(IMPUTATIONS)}"
        )
    return imputation


def week_values(diary: pd.DataFrame) -> pd.DataFrame:
    """The observed participant-weeks (reached, with a cramp count) and their values.

    Frequency is the cramp count; duration and severity are the recorded means,
    or 0 in a week without cramps. Columns: participant_id, phase, week, OUTCOMES.
    """
    reached = diary["reached"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    rows = diary[reached & diary["cramps"].notna().to_numpy()]
    cramps = rows["cramps"].astype("float64")
    no_cramp = cramps.eq(0)
    return pd.DataFrame(
        {
            "participant_id": rows["participant_id"].to_numpy(),
            "phase": rows["phase"].to_numpy(),
            "week": rows["week"].astype("int64").to_numpy(),
            "frequency": cramps.to_numpy(),
            "duration": rows["duration_min"].astype("float64").mask(no_cramp, 0.0).to_numpy(),
            "severity": rows["severity"].astype("float64").mask(no_cramp, 0.0).to_numpy(),
        }
    )


def observed_phase(
    values: pd.DataFrame, participants: pd.DataFrame, *, phase: str, weeks: int
) -> pd.DataFrame:
    """Observed weeks 1..`weeks` of `phase` for the given participants, with their arm."""
    rows = values[values["phase"].eq(phase) & values["week"].between(1, weeks)]
    arm = participants.set_index("participant_id")["arm"]
    rows = rows.assign(arm=rows["participant_id"].map(arm))
    rows = rows[rows["arm"].notna()]
    if rows.duplicated(["participant_id", "week"]).any():
        raise AnalysisError(f"the diary holds more than one observed {phase} row for a week")
    return rows.reset_index(drop=True)


def baseline(screening_weeks: pd.DataFrame) -> pd.DataFrame:
    """Each participant's unweighted mean of their observed screening weeks.

    Participants without an observed screening week are absent (baseline missing).
    Indexed by participant_id; columns arm and OUTCOMES.
    """
    grouped = screening_weeks.groupby("participant_id", sort=True)
    means = grouped[list(OUTCOMES)].mean()
    means.insert(0, "arm", grouped["arm"].first())
    return means


def impute(
    participants: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    weeks: int,
    imputation: str,
) -> pd.DataFrame:
    """The intervention participant-weeks the analysis uses, after imputation.

    `observed` is `observed_phase(..., phase="intervention")`. Under
    `complete_case` these are the observed rows; otherwise every participant x
    week 1..`weeks`, missing weeks filled as the spec says. Columns:
    participant_id, arm, week, OUTCOMES, imputed (bool).
    """
    check_imputation(imputation)
    outcomes = list(OUTCOMES)
    if imputation == "complete_case":
        return observed[["participant_id", "arm", "week", *outcomes]].assign(imputed=False)

    ids = participants["participant_id"].to_numpy()
    arm = pd.Categorical(participants["arm"])  # the groups (in report order from `cohort`)
    size = len(arm.categories)
    row_id = np.repeat(ids, weeks)
    row_code = np.repeat(np.asarray(arm.codes, dtype=np.int64), weeks)
    row_week = np.tile(np.arange(1, weeks + 1), len(ids))
    grid = pd.MultiIndex.from_arrays([row_id, row_week])
    values = observed.set_index(["participant_id", "week"])[outcomes].reindex(grid).to_numpy()
    missing = np.isnan(values[:, 0])

    # fallback: the arm-week observed mean, else the arm's observed mean over all weeks
    observed_code = group_codes(observed["arm"], tuple(arm.categories))
    observed_values = observed[outcomes].to_numpy()
    cell = observed_code * weeks + observed["week"].to_numpy() - 1
    arm_week = grouped_means(np.where(observed_code >= 0, cell, -1), observed_values, size * weeks)
    arm_all = grouped_means(observed_code, observed_values, size)
    fill = arm_week[row_code * weeks + row_week - 1]
    fill = np.where(np.isnan(fill), arm_all[row_code], fill)
    if imputation == "participant_mean":
        own = observed.groupby("participant_id")[outcomes].mean().reindex(row_id).to_numpy()
        fill = np.where(np.isnan(own), fill, own)
    values = np.where(np.isnan(values), fill, values)

    frame = pd.DataFrame(
        {
            "participant_id": row_id,
            "arm": pd.Categorical.from_codes(row_code, dtype=arm.dtype),
            "week": row_week,
        }
    )
    for position, outcome in enumerate(outcomes):
        frame[outcome] = values[:, position]
    frame["imputed"] = missing & ~np.isnan(values[:, 0])
    return frame


def participant_means(weeks: pd.DataFrame) -> pd.DataFrame:
    """Each participant's mean over their intervention weeks (after imputation).

    Indexed by participant_id; columns arm, weeks (values averaged) and OUTCOMES.
    These are the analysed participants: every randomized participant under the
    imputing choices, those with an observed intervention week under complete_case
    (a participant without any value is absent).
    """
    rows = weeks[weeks["frequency"].notna()]
    grouped = rows.groupby("participant_id", sort=True)
    means = grouped[list(OUTCOMES)].mean()
    means.insert(0, "weeks", grouped["week"].size())
    means.insert(0, "arm", grouped["arm"].first())
    return means


def imputed_counts(weeks: pd.DataFrame, order: tuple[str, ...]) -> dict[str, int]:
    """Participant-weeks filled in by imputation, per arm."""
    counts = weeks.groupby("arm")["imputed"].sum()
    return {arm: int(counts.get(arm, 0)) for arm in order}


def completed(participants: pd.DataFrame, *, weeks: int) -> pd.Series:
    """True when the participant did not withdraw before the end of the intervention."""
    end = participants["randomized_on"] + pd.Timedelta(days=7 * weeks)
    withdrawn = participants["withdrawn_on"]
    return withdrawn.isna() | (withdrawn >= end)


def with_baseline(means: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Participant means joined with their baseline (`<outcome>_baseline` columns);
    participants without a baseline are left out."""
    return means.join(baseline[list(OUTCOMES)].add_suffix("_baseline"), how="inner")


def weeks_from_nights(
    nights: pd.DataFrame,
    cramp_events: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    screening_weeks: int,
    intervention_weeks: int,
) -> pd.DataFrame:
    """The electronic diary's weeks whose seven nights are all reported, as diary rows
    (reached, cramps, duration_min, severity) with the values derived from the nights:
    cramps = the week's cramp events, duration and severity = their means.

    A week's nights begin on its days: screening week w on consented_on + 7(w - 1),
    intervention week w on randomized_on + 7(w - 1). Columns: those of the diary."""
    columns = ["participant_id", "phase", "week", "reached", "cramps", "duration_min", "severity"]
    reported = nights[nights["reported"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    if reported.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    starts = participants.set_index("participant_id")[["consented_on", "randomized_on"]]
    frames = []
    phases = (
        ("screening", "consented_on", screening_weeks),
        ("intervention", "randomized_on", intervention_weeks),
    )
    for phase, start_column, weeks in phases:
        start = reported["participant_id"].map(starts[start_column])
        day = (reported["night"] - start).dt.days
        inside = day.notna() & (day >= 0) & (day < 7 * weeks)
        rows = reported[inside.to_numpy()].assign(
            phase=phase, week=(day[inside] // 7 + 1).astype("int64").to_numpy()
        )
        full = rows.groupby(["participant_id", "week"]).size()
        full = full[full == 7].reset_index()[["participant_id", "week"]]
        if full.empty:
            continue
        events = cramp_events.merge(
            rows[["participant_id", "night", "week"]], on=["participant_id", "night"]
        )
        stats = events.groupby(["participant_id", "week"]).agg(
            cramps=("duration_min", "size"),
            duration_min=("duration_min", "mean"),
            severity=("severity", "mean"),
        )
        week_rows = full.merge(stats.reset_index(), on=["participant_id", "week"], how="left")
        week_rows["cramps"] = week_rows["cramps"].fillna(0).astype("float64")
        frames.append(week_rows.assign(phase=phase, reached=True))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]


def observed_diary(dataset) -> pd.DataFrame:
    """The diary rows the analysis observes: every reached call (its values as
    confirmed), and, for the electronic diary, each week without a reached call whose
    seven nights are all reported (values derived from the nights)."""
    diary = dataset.diary
    derived = weeks_from_nights(
        dataset.nights,
        dataset.cramp_events,
        dataset.participants,
        screening_weeks=int(dataset.trial["screening_weeks"]),
        intervention_weeks=int(dataset.trial["intervention_weeks"]),
    )
    if derived.empty:
        return diary
    reached = diary["reached"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    called = set(
        zip(
            diary["participant_id"][reached],
            diary["phase"][reached],
            diary["week"][reached],
            strict=True,
        )
    )
    keep = [
        (p, ph, w) not in called
        for p, ph, w in zip(
            derived["participant_id"], derived["phase"], derived["week"], strict=True
        )
    ]
    return pd.concat([diary, derived[keep]], ignore_index=True)
