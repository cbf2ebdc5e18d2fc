"""The statistical analysis plan: estimands (ICH E9(R1)) and the plan's settings, as data.

A trial declares its plan with its protocol (`analysis_plan` in trial.json and on
the Trial; see diary/presets.py for the reference trial's). `plan_of(trial)` reads
it from the dataset's `trial` dict, fills what is not declared from `default_plan`
and checks it, raising `InvalidParameters` with the offending key.

A plan:

- `estimands`: a list of {outcome, population, variable, intercurrent_events:
  [{event, strategy}], summary_measure, analysis, method, title}. `analysis` is
  one of ANALYSIS_ROLES; `method` names the report's result that estimates it
  (one of `method_keys(...)`, e.g. "models.negative_binomial.frequency").
- `alpha` (two-sided, default 0.05).
- `multiplicity`: {"method": "holm" | "hierarchical", "secondary": [outcome, ...]}:
  the primary outcome is tested first; the secondary outcomes, in the order given,
  only after it (serial gatekeeping), by Holm's step-down or in fixed sequence.
- `adherence_threshold`: the share of capsules taken (0-1, default 0.8) that makes
  a participant adherent for the per-protocol analysis.
- `capsules_per_week`: capsules prescribed per week (default 7, one a night).
- `imputations` (m, default 50) and `seed` of the multiple imputation.
- `tipping_point_deltas`: the grid of cramps per week added to the imputed weeks of
  the experimental arm in the tipping-point analysis (ascending).
"""

from __future__ import annotations

import math
from copy import deepcopy

from analysis.conventions import OUTCOMES
from analysis.errors import InvalidParameters

ANALYSIS_ROLES = ("primary", "secondary", "sensitivity", "supportive")
EXPLORATORY = "exploratory"
MULTIPLICITY_METHODS = ("holm", "hierarchical")
DEFAULT_SEED = 20240901
DEFAULT_DELTAS = [float(d) for d in range(0, 41, 2)]

POPULATION = "All randomized participants, in the arm they were allocated to (intention to treat)"
STOPPED = "Stopping the study product while still followed"
WITHDRAWN = "Withdrawal from follow-up (no further diary data)"
TREATMENT_POLICY = "Treatment policy: weeks after stopping are collected and analysed as observed"


def _events(missing_data: str) -> list[dict]:
    return [
        {"event": STOPPED, "strategy": TREATMENT_POLICY},
        {"event": WITHDRAWN, "strategy": f"Missing data: {missing_data}"},
    ]


def default_plan(*, intervention_weeks: int = 8) -> dict:
    """The plan used where a trial declares none: the reference trial's, for any length."""
    weeks = f"the {intervention_weeks} intervention weeks"
    mar = "multiple imputation under missing at random, within arm"
    variables = {
        "frequency": f"Number of nocturnal leg cramps per week over {weeks}",
        "duration": f"Mean cramp duration (minutes; 0 in a week without cramps) over {weeks}",
        "severity": f"Mean cramp severity (1-10; 0 in a week without cramps) over {weeks}",
    }
    estimands = [
        {
            "outcome": "frequency",
            "title": "Cramp rate, adjusted for baseline (negative binomial)",
            "population": POPULATION,
            "variable": variables["frequency"],
            "intercurrent_events": _events(
                "the model uses every observed week (valid when the missing weeks are "
                "missing at random given baseline); multiple imputation, jump to reference "
                "and a tipping point as sensitivity analyses"
            ),
            "summary_measure": (
                "Rate ratio of cramps per week, experimental over comparator; and the "
                "standardized difference in mean cramps per week"
            ),
            "analysis": "primary",
            "method": "models.negative_binomial.frequency",
        },
        {
            "outcome": "frequency",
            "title": "Mean cramps per week, ANCOVA over multiple imputations",
            "population": POPULATION,
            "variable": variables["frequency"],
            "intercurrent_events": _events(mar),
            "summary_measure": "Difference in mean cramps per week, adjusted for baseline",
            "analysis": "sensitivity",
            "method": "missing_data.multiple_imputation.frequency",
        },
        {
            "outcome": "frequency",
            "title": "Missing experimental-arm weeks as in the comparator arm (jump to reference)",
            "population": POPULATION,
            "variable": variables["frequency"],
            "intercurrent_events": _events("jump to reference (multiple imputation)"),
            "summary_measure": "Difference in mean cramps per week, adjusted for baseline",
            "analysis": "sensitivity",
            "method": "missing_data.jump_to_reference.frequency",
        },
        {
            "outcome": "frequency",
            "title": "Tipping point: cramps added to imputed experimental-arm weeks",
            "population": POPULATION,
            "variable": variables["frequency"],
            "intercurrent_events": _events("delta-adjusted multiple imputation"),
            "summary_measure": "Difference in mean cramps per week at each delta",
            "analysis": "sensitivity",
            "method": "missing_data.tipping_point.frequency",
        },
        {
            "outcome": "frequency",
            "title": "Per protocol: adherent participants only (negative binomial)",
            "population": "Randomized participants who took at least the declared share of "
            "their capsules over their observed intervention weeks",
            "variable": variables["frequency"],
            "intercurrent_events": [
                {"event": STOPPED, "strategy": "Principal stratum of adherent participants"},
                {"event": WITHDRAWN, "strategy": "Missing data: observed weeks only"},
            ],
            "summary_measure": "Rate ratio of cramps per week, experimental over comparator",
            "analysis": "sensitivity",
            "method": "per_protocol.frequency",
        },
        {
            "outcome": "frequency",
            "title": "Repeated weekly counts (Poisson GEE), adjusted for baseline",
            "population": POPULATION,
            "variable": "Number of cramps in each observed intervention week",
            "intercurrent_events": _events("observed weeks only (missing completely at random)"),
            "summary_measure": "Rate ratio of cramps per week, experimental over comparator",
            "analysis": "supportive",
            "method": "gee",
        },
        {
            "outcome": "frequency",
            "title": "The published analysis: participant-weeks after mean imputation",
            "population": POPULATION,
            "variable": variables["frequency"],
            "intercurrent_events": _events("single mean imputation (the paper's method)"),
            "summary_measure": "Difference in mean cramps per week",
            "analysis": "supportive",
            "method": "outcomes.participant_week.frequency",
        },
    ]
    for outcome in ("duration", "severity"):
        estimands += [
            {
                "outcome": outcome,
                "title": f"Mean cramp {outcome}, ANCOVA over multiple imputations",
                "population": POPULATION,
                "variable": variables[outcome],
                "intercurrent_events": _events(mar),
                "summary_measure": f"Difference in mean {outcome}, adjusted for baseline",
                "analysis": "secondary",
                "method": f"missing_data.multiple_imputation.{outcome}",
            },
            {
                "outcome": outcome,
                "title": f"Cramp {outcome} among the weeks with at least one cramp",
                "population": "Randomized participants with at least one observed week "
                "with a cramp",
                "variable": f"Mean cramp {outcome} over the observed intervention weeks "
                "with at least one cramp",
                "intercurrent_events": _events("observed weeks only"),
                "summary_measure": f"Difference in mean {outcome}",
                "analysis": "supportive",
                "method": f"supportive.weeks_with_cramps.{outcome}",
            },
        ]
    return {
        "estimands": estimands,
        "alpha": 0.05,
        "multiplicity": {"method": "holm", "secondary": ["duration", "severity"]},
        "adherence_threshold": 0.8,
        "capsules_per_week": 7,
        "imputations": 50,
        "seed": DEFAULT_SEED,
        "tipping_point_deltas": list(DEFAULT_DELTAS),
    }


def method_keys() -> frozenset[str]:
    """The report results an estimand may name as its method."""
    keys = {
        "models.negative_binomial.frequency",
        "missing_data.jump_to_reference.frequency",
        "missing_data.tipping_point.frequency",
        "per_protocol.frequency",
        "gee",
        "supportive.adherence",
    }
    for outcome in OUTCOMES:
        keys |= {
            f"missing_data.multiple_imputation.{outcome}",
            f"outcomes.participant_week.{outcome}",
            f"outcomes.participant.{outcome}",
            f"outcomes.ancova.{outcome}",
            f"change_from_baseline.{outcome}",
        }
    keys |= {f"supportive.weeks_with_cramps.{o}" for o in ("duration", "severity")}
    return frozenset(keys)


def plan_of(trial: dict) -> dict:
    """The trial's declared plan (`trial["analysis_plan"]`), completed and checked."""
    declared = trial.get("analysis_plan") or {}
    if not isinstance(declared, dict):
        raise InvalidParameters("the analysis plan must be a JSON object")
    plan = default_plan(intervention_weeks=int(trial.get("intervention_weeks") or 8))
    unknown = sorted(set(declared) - set(plan))
    if unknown:
        raise InvalidParameters(f"the analysis plan has unknown keys: {', '.join(unknown)}")
    plan.update(deepcopy(declared))
    _check(plan)
    return plan


def _fail(key: str, message: str):
    raise InvalidParameters(f"analysis plan, {key}: {message}")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(plan: dict) -> None:
    if not _number(plan["alpha"]) or not 0 < plan["alpha"] < 1:
        _fail("alpha", "must be a number between 0 and 1")
    if not _number(plan["adherence_threshold"]) or not 0 < plan["adherence_threshold"] <= 1:
        _fail("adherence_threshold", "must be a share above 0 and at most 1")
    if not isinstance(plan["capsules_per_week"], int) or plan["capsules_per_week"] < 1:
        _fail("capsules_per_week", "must be a whole number of at least 1")
    if not isinstance(plan["imputations"], int) or not 2 <= plan["imputations"] <= 1000:
        _fail("imputations", "must be a whole number from 2 to 1000")
    if not isinstance(plan["seed"], int) or isinstance(plan["seed"], bool) or plan["seed"] < 0:
        _fail("seed", "must be a whole number of at least 0")
    deltas = plan["tipping_point_deltas"]
    if (
        not isinstance(deltas, list)
        or not 1 <= len(deltas) <= 200
        or not all(_number(d) for d in deltas)
        or sorted(deltas) != deltas
        or len(set(deltas)) != len(deltas)
    ):
        _fail("tipping_point_deltas", "must list 1 to 200 distinct numbers in ascending order")
    plan["tipping_point_deltas"] = [float(d) for d in deltas]
    multiplicity = plan["multiplicity"]
    if not isinstance(multiplicity, dict) or multiplicity.get("method") not in MULTIPLICITY_METHODS:
        _fail("multiplicity.method", f"must be one of {', '.join(MULTIPLICITY_METHODS)}")
    secondary = multiplicity.get("secondary", [])
    if (
        not isinstance(secondary, list)
        or any(o not in OUTCOMES for o in secondary)
        or len(set(secondary)) != len(secondary)
    ):
        _fail("multiplicity.secondary", f"must list distinct outcomes of {', '.join(OUTCOMES)}")
    _check_estimands(plan["estimands"])
    primary = [e for e in plan["estimands"] if e["analysis"] == "primary"]
    if len(primary) != 1:
        _fail("estimands", "exactly one estimand must be primary")
    if primary[0]["outcome"] in secondary:
        _fail("multiplicity.secondary", "the primary outcome cannot also be secondary")
    for outcome in secondary:
        if not any(
            e["outcome"] == outcome and e["analysis"] == "secondary" for e in plan["estimands"]
        ):
            _fail(
                "multiplicity.secondary", f"{outcome} has no estimand whose analysis is secondary"
            )


def _check_estimands(estimands) -> None:
    if not isinstance(estimands, list) or not estimands:
        _fail("estimands", "must be a non-empty list")
    known = method_keys()
    text_keys = ("title", "population", "variable", "summary_measure")
    for i, estimand in enumerate(estimands):
        where = f"estimands[{i}]"
        if not isinstance(estimand, dict):
            _fail(where, "must be a JSON object")
        if estimand.get("outcome") not in OUTCOMES:
            _fail(f"{where}.outcome", f"must be one of {', '.join(OUTCOMES)}")
        if estimand.get("analysis") not in ANALYSIS_ROLES:
            _fail(f"{where}.analysis", f"must be one of {', '.join(ANALYSIS_ROLES)}")
        if estimand.get("method") not in known:
            _fail(f"{where}.method", f"{estimand.get('method')!r} is not a result of the report")
        for key in text_keys:
            if not isinstance(estimand.get(key), str) or not estimand[key].strip():
                _fail(f"{where}.{key}", "must be a non-empty text")
        events = estimand.get("intercurrent_events")
        if not isinstance(events, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("event"), str)
            and isinstance(e.get("strategy"), str)
            for e in events
        ):
            _fail(f"{where}.intercurrent_events", "must list {event, strategy} objects")


def primary_estimand(plan: dict) -> dict:
    return next(e for e in plan["estimands"] if e["analysis"] == "primary")


def analysis_labels(plan: dict) -> dict[str, str]:
    """{report result key: primary | secondary | sensitivity | supportive | exploratory}
    for every analysis the report holds; what the plan does not declare is supportive,
    the weekly tests exploratory."""
    labels = {key: "supportive" for key in method_keys()}
    labels.update({f"weekly.{o}": EXPLORATORY for o in OUTCOMES})
    for estimand in plan["estimands"]:
        labels[estimand["method"]] = estimand["analysis"]
    return labels
