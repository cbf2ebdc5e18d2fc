"""The intention-to-treat report: computing it, then rendering it.

Entry points
- `build_report(dataset, *, imputation="arm_week_mean", blinded=True, group_codes=None,
  table1_pvalues=False) -> dict`: the report as plain data, following the
  contract of the "itt-report/1" JSON schema (unrounded floats, None when undefined).
  Raises `analysis.errors.AnalysisError` when the dataset cannot be analysed.
- Rendering, from that dict only (`analysis.render`):
  `render_json(report) -> bytes`, `render_html(report) -> bytes`,
  `render_xlsx(report) -> bytes`, `render_csv(report) -> bytes` (a zip of CSVs),
  `figure2_png(report) -> bytes`, `consort_png(report) -> bytes`.
  `RENDERERS` maps a format name (json, html, xlsx, csv) to its renderer.

`dataset` is an `analysis.dataset.TrialDataset`. A blinded report (the default)
needs `group_codes`, the trial's secret mapping {arm_code: "A" | "B"}; it names
the groups only by those codes and never holds an arm's code, label or role.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.cohort import cohort
from analysis.conventions import (
    DEFAULT_IMPUTATION,
    baseline,
    check_imputation,
    completed,
    impute,
    imputed_counts,
    observed_diary,
    observed_phase,
    participant_means,
    week_values,
)
from analysis.dataset import TrialDataset, canonical_sha256, in_canonical_order
from analysis.tables.adverse_events import adverse_events
from analysis.tables.change import baseline_summary, change_from_baseline
from analysis.tables.consort import consort
from analysis.tables.gee import gee_rate_ratio
from analysis.tables.outcomes import ancova, participant, participant_week
from analysis.tables.table1 import table1
from analysis.tables.weekly import observed_weekly, weekly

SCHEMA = "itt-report/1"


def _hashed_data(dataset: TrialDataset, *, blinded: bool) -> TrialDataset:
    """The data a report's hash covers. A blinded report hashes the data without the
    allocation, so that nobody can test a guessed allocation against its hash."""
    if not blinded:
        return dataset
    return replace(dataset, participants=dataset.participants.assign(arm_code=pd.NA))


def build_report(
    dataset: TrialDataset,
    *,
    imputation: str = DEFAULT_IMPUTATION,
    blinded: bool = True,
    group_codes: dict[str, str] | None = None,
    table1_pvalues: bool = False,
) -> dict:
    """Compute the whole report from the dataset (see the module docstring)."""
    check_imputation(imputation)
    dataset = in_canonical_order(dataset)
    groups = cohort(dataset, blinded=blinded, group_codes=group_codes)
    order, people = groups.order, groups.participants
    screening_weeks = int(dataset.trial["screening_weeks"])
    intervention_weeks = int(dataset.trial["intervention_weeks"])

    values = week_values(observed_diary(dataset))
    screening = observed_phase(values, people, phase="screening", weeks=screening_weeks)
    observed = observed_phase(values, people, phase="intervention", weeks=intervention_weeks)
    base = baseline(screening)
    weeks = impute(people, observed, weeks=intervention_weeks, imputation=imputation)
    means = participant_means(weeks)
    done = completed(people, weeks=intervention_weeks)

    return {
        "schema": SCHEMA,
        "blinded": blinded,
        "imputation": imputation,
        "data_sha256": canonical_sha256(_hashed_data(dataset, blinded=blinded)),
        "trial": {
            "code": dataset.trial.get("code"),
            "title": dataset.trial.get("title"),
            "screening_weeks": screening_weeks,
            "intervention_weeks": intervention_weeks,
        },
        "arms": groups.arms,
        "difference": f"{order[0]} minus {order[1]}",
        "consort": consort(dataset.screening, people, means["arm"], done, order),
        "table1_pvalues": table1_pvalues,
        "table1": table1(people, order, pvalues=table1_pvalues),
        "baseline": baseline_summary(base, order),
        "outcomes": {
            "participant_week": participant_week(weeks, order),
            "participant": participant(means, order),
            "ancova": ancova(means, base, order),
        },
        "change_from_baseline": change_from_baseline(means, base, order),
        "weekly": weekly(weeks, order, intervention_weeks=intervention_weeks),
        "imputed": imputed_counts(weeks, order),
        "gee": gee_rate_ratio(observed, order),
        "adverse_events": adverse_events(dataset.adverse_events, people, order),
        "figure2": observed_weekly(
            screening,
            observed,
            order,
            screening_weeks=screening_weeks,
            intervention_weeks=intervention_weeks,
        ),
        "notes": notes(imputation=imputation, blinded=blinded),
    }


def notes(*, imputation: str, blinded: bool) -> dict[str, str]:
    """Plain-language notes printed with the report."""
    groups = (
        "Groups are named A and B; which treatment each received is not shown. "
        "Differences are group A minus group B."
        if blinded
        else "Differences are the experimental arm minus the comparator arm."
    )
    filled = {
        "arm_week_mean": (
            "Missing intervention weeks were filled with the mean of the observed values of "
            "the same arm in the same week (or, if none was observed that week, the arm's "
            "observed mean over all intervention weeks)."
        ),
        "participant_mean": (
            "Missing intervention weeks were filled with the participant's own mean of their "
            "observed intervention weeks (the arm's weekly mean for a participant with none)."
        ),
        "complete_case": (
            "Only observed weeks were used; a participant with no observed intervention "
            "week is left out of the analyses."
        ),
    }[imputation]
    return {
        "groups": groups,
        "imputation": filled,
        "participant_week": (
            "Table 2 follows the published method: every participant-week counts as a "
            "separate observation and the groups are compared with a pooled-variance t-test. "
            "But the weeks of one person are alike, not independent, so this method "
            "overstates how much information there is and gives narrower confidence "
            "intervals and smaller p-values than the data support. The participant-level "
            "analysis (one mean per person, Welch t-test) and the analysis adjusted for "
            "baseline (ANCOVA) count each person once; their intervals are the ones to rely on."
        ),
        "gee": (
            "The rate ratio comes from a Poisson model of the weekly cramp count fitted to "
            "the observed weeks of every participant (generalized estimating equations, "
            "robust standard errors, Wald 95% CI); a ratio below 1 means fewer cramps in "
            "the first group. The working correlation used is stated with the result."
        ),
        "baseline": (
            "Baseline is the mean of the observed screening weeks; participants without "
            "one are left out of the baseline, change-from-baseline and ANCOVA results."
        ),
    }
