"""The intention-to-treat report: computing it, then rendering it.

Entry points
- `build_report(dataset, *, view, imputation="arm_week_mean", group_codes=None,
  table1_pvalues=False, plan_analyses=True) -> dict`: the report as plain data,
  following the contract of the "itt-report/1" JSON schema (report-json.md;
  unrounded floats, None when undefined). Raises `analysis.errors.AnalysisError`
  when the dataset or the trial's analysis plan cannot be analysed.
- Rendering, from that dict only (`analysis.render`):
  `render_json(report) -> bytes`, `render_html(report) -> bytes`,
  `render_xlsx(report) -> bytes`, `render_csv(report) -> bytes` (a zip of CSVs),
  `figure2_png(report) -> bytes`, `consort_png(report) -> bytes`,
  `tipping_png(report) -> bytes | None`.
  `RENDERERS` maps a format name (json, html, xlsx, csv) to its renderer.

`dataset` is an `analysis.dataset.TrialDataset`; `view` (analysis.cohort) is:
- "open": all randomized participants pooled in one group `all`; the allocation is
  dropped before anything is computed, and no between-group statistic is made
  (no difference, CI, p, ANCOVA, model or multiple imputation);
- "coded": the groups named A and B by `group_codes`, the trial's secret mapping
  {arm_code: "A" | "B"}; no arm's code, label or role appears;
- "unblinded": the arms named, experimental first.

The statistical analysis plan (analysis.plan) comes from `dataset.trial["analysis_plan"]`
(the default plan where the trial declares none). `plan_analyses=False` leaves out
the plan's model-based analyses (negative binomial, multiple imputation, jump to
reference, tipping point, per protocol, multiplicity): the report as it stood
before them, which bench/report_job.py times beside the full one.
"""

from __future__ import annotations

import pandas as pd

from analysis.cohort import CODED, OPEN, UNBLINDED, check_view, cohort, without_allocation
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
from analysis.plan import analysis_labels, plan_of
from analysis.stats import number
from analysis.tables.adverse_events import adverse_events
from analysis.tables.change import baseline_summary, change_from_baseline
from analysis.tables.consort import consort
from analysis.tables.count_model import count_data, negative_binomial
from analysis.tables.gee import gee_rate_ratio
from analysis.tables.missing_data import missing_data
from analysis.tables.multiplicity import multiplicity
from analysis.tables.outcomes import ancova, participant, participant_week
from analysis.tables.supportive import (
    adherence,
    adherence_by_participant,
    adherent_ids,
    weeks_with_cramps,
)
from analysis.tables.table1 import table1
from analysis.tables.weekly import observed_weekly, weekly

SCHEMA = "itt-report/1"


def build_report(
    dataset: TrialDataset,
    *,
    view: str,
    imputation: str = DEFAULT_IMPUTATION,
    group_codes: dict[str, str] | None = None,
    table1_pvalues: bool = False,
    plan_analyses: bool = True,
) -> dict:
    """Compute the whole report from the dataset (see the module docstring)."""
    check_view(view)
    check_imputation(imputation)
    plan = plan_of(dataset.trial)
    if view != UNBLINDED:
        # nothing a blinded reader gets may depend on the allocation but the groups of a
        # coded report: the hash covers the data without it, and an open report never
        # sees it at all
        hashed = without_allocation(dataset)
        if view == OPEN:
            dataset = hashed
    else:
        hashed = dataset
    dataset = in_canonical_order(dataset)
    groups = cohort(dataset, view=view, group_codes=group_codes)
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
    adherence_rows = adherence_by_participant(
        dataset.diary, observed, capsules_per_week=int(plan["capsules_per_week"])
    )
    threshold = float(plan["adherence_threshold"])

    report = {
        "schema": SCHEMA,
        "view": view,
        "blinded": groups.blinded,
        "imputation": imputation,
        "data_sha256": canonical_sha256(hashed),
        "trial": {
            "code": dataset.trial.get("code"),
            "title": dataset.trial.get("title"),
            "screening_weeks": screening_weeks,
            "intervention_weeks": intervention_weeks,
        },
        "arms": groups.arms,
        "estimands": plan["estimands"],
        "analyses": analysis_labels(plan),
        "plan": {key: value for key, value in plan.items() if key != "estimands"},
        "consort": consort(dataset.screening, people, means["arm"], done, order, observed=observed),
        "table1_pvalues": table1_pvalues and not groups.pooled,
        "table1": table1(people, order, pvalues=table1_pvalues),
        "baseline": baseline_summary(base, order),
        "outcomes": {
            "participant_week": participant_week(weeks, order),
            "participant": participant(means, order),
        },
        "change_from_baseline": change_from_baseline(means, base, order),
        "weekly": weekly(weeks, order, intervention_weeks=intervention_weeks),
        "imputed": imputed_counts(weeks, order),
        "completeness": completeness(people, observed, order, weeks=intervention_weeks),
        "adverse_events": adverse_events(dataset.adverse_events, people, order),
        "supportive": {
            "weeks_with_cramps": weeks_with_cramps(observed, order),
            "adherence": adherence(adherence_rows, order, threshold=threshold),
        },
        "figure2": observed_weekly(
            screening,
            observed,
            order,
            screening_weeks=screening_weeks,
            intervention_weeks=intervention_weeks,
        ),
        "notes": notes(imputation=imputation, view=view),
    }
    if groups.pooled:
        return report

    report["difference"] = f"{order[0]} minus {order[1]}"
    report["outcomes"]["ancova"] = ancova(means, base, order)
    report["gee"] = gee_rate_ratio(observed, base, order)
    if not plan_analyses:
        return report
    stratify_by = list(dataset.trial.get("stratify_by") or [])
    counts = count_data(people, observed, base)
    alpha = float(plan["alpha"])
    report["models"] = {
        "negative_binomial": {
            "frequency": negative_binomial(counts, order, stratify_by=stratify_by, alpha=alpha)
        }
    }
    report["missing_data"] = missing_data(
        people,
        observed,
        base,
        order,
        weeks=intervention_weeks,
        plan=plan,
        both_directions=view == CODED,
    )
    adherent = counts[counts.index.isin(adherent_ids(adherence_rows, threshold=threshold))]
    report["per_protocol"] = {
        "threshold": threshold,
        "frequency": negative_binomial(adherent, order, stratify_by=stratify_by, alpha=alpha),
    }
    report["multiplicity"] = multiplicity(report, plan)
    return report


def completeness(
    participants: pd.DataFrame, observed: pd.DataFrame, order: tuple[str, ...], *, weeks: int
) -> dict:
    """Observed intervention weeks against the weeks of every randomized participant:
    {<group>: {expected, observed, pct}, by_week: [{week, <group>: {observed, pct}}]}."""
    size = participants["arm"].value_counts()
    seen = observed.groupby(["week", "arm"], observed=False).size()
    result = {}
    for g in order:
        expected = int(size.get(g, 0)) * weeks
        got = int(observed["arm"].eq(g).sum())
        result[g] = {
            "expected": expected,
            "observed": got,
            "pct": number(100 * got / expected) if expected else None,
        }
    result["by_week"] = []
    for week in range(1, weeks + 1):
        entry = {"week": week}
        for g in order:
            got = int(seen.get((week, g), 0))
            entry[g] = {
                "observed": got,
                "pct": number(100 * got / size[g]) if size.get(g, 0) else None,
            }
        result["by_week"].append(entry)
    return result


def notes(*, imputation: str, view: str) -> dict[str, str]:
    """Plain-language notes printed with the report (none about comparisons in an open one)."""
    groups = {
        OPEN: (
            "This is an open report: every randomized participant is counted in one pooled "
            "group, and nothing is shown by group. Reports by group are made only after the "
            "database lock (coded groups A and B for the statistician), or for the "
            "monitoring board by the unblinded statistician."
        ),
        CODED: (
            "Groups are named A and B; which treatment each received is not shown. "
            "Differences are group A minus group B."
        ),
        UNBLINDED: "Differences are the experimental arm minus the comparator arm.",
    }[view]
    unit = "all participants" if view == OPEN else "the same arm"
    filled = {
        "arm_week_mean": (
            f"Missing intervention weeks were filled with the mean of the observed values of "
            f"{unit} in the same week (or, if none was observed that week, the observed mean "
            f"of {unit} over all intervention weeks). This single mean imputation is the "
            "published paper's method; it treats filled weeks as observed, so it understates "
            "variability."
        ),
        "participant_mean": (
            "Missing intervention weeks were filled with the participant's own mean of their "
            f"observed intervention weeks (the weekly mean of {unit} for a participant with "
            "none)."
        ),
        "complete_case": (
            "Only observed weeks were used; a participant with no observed intervention "
            "week is left out of the analyses."
        ),
    }[imputation]
    result = {
        "groups": groups,
        "imputation": filled,
        "baseline": (
            "Baseline is the mean of the observed screening weeks; participants without "
            "one are left out of the baseline, change-from-baseline and adjusted analyses."
        ),
    }
    if view == OPEN:
        return result
    result.update(
        participant_week=(
            "Table 2 follows the published method: every participant-week counts as a "
            "separate observation and the groups are compared with a pooled-variance t-test. "
            "But the weeks of one person are alike, not independent, so this method "
            "overstates how much information there is and gives narrower confidence "
            "intervals and smaller p-values than the data support. The participant-level "
            "analysis (one mean per person, Welch t-test) and the analysis adjusted for "
            "baseline (ANCOVA) count each person once; their intervals are the ones to rely on."
        ),
        primary=(
            "The primary analysis is a negative binomial regression of each participant's "
            "cramps over their observed intervention weeks, with the number of those weeks as "
            "exposure, adjusted for the baseline weekly cramps (and the stratification factors "
            "of a stratified list): the rate ratio, and the standardized difference in mean "
            "cramps per week (g-computation, delta-method CI)."
        ),
        missing_data=(
            "Multiple imputation draws each missing week from its distribution given the "
            "participant's baseline and observed weeks, separately in each group (missing at "
            "random), many times over; each completed data set is analysed by ANCOVA and the "
            "results are combined by Rubin's rules, so the interval carries the uncertainty "
            "about the missing weeks. Jump to reference imputes the missing weeks of the first "
            "group as if those participants had the second group's outcomes; the tipping point "
            "adds more and more cramps per week to the first group's imputed weeks until the "
            "difference is no longer significant."
        ),
        gee=(
            "The rate ratio comes from a Poisson model of the weekly cramp count fitted to "
            "the observed weeks of every participant with a baseline, adjusted for it "
            "(generalized estimating equations, robust standard errors, Wald 95% CI); a ratio "
            "below 1 means fewer cramps in the first group. The working correlation used is "
            "stated with the result."
        ),
    )
    if view == CODED:
        result["missing_data"] += (
            " Which group is experimental is not known in a coded report, so the "
            "reference-based and tipping-point analyses are shown in both directions."
        )
    return result
