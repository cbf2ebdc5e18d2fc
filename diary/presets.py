"""Protocols that can be loaded by name. Each is plain data in the shape of the
data package's trial.json, plus sites, eligibility criteria and the statistical
analysis plan (`analysis_plan`: estimands and settings, read by analysis.plan; a
protocol without one is analysed by that module's default plan)."""

REFERENCE_CRITERIA = [
    {
        "code": "nocturnal_leg_cramps",
        "kind": "inclusion",
        "text": "Has nocturnal leg cramps not explained by another cause",
    },
    {
        "code": "secondary_cause",
        "kind": "exclusion",
        "text": (
            "Cramps caused by a metabolic disease or neuropathy (hypothyroidism, "
            "hemodialysis, hypoglycemia, alcoholism, ALS, poliomyelitis complications, "
            "lumbar spinal stenosis, Parkinson disease, radiculopathy, motor neuron "
            "disease, liver cirrhosis)"
        ),
    },
    {"code": "malignant_tumour", "kind": "exclusion", "text": "Malignant tumour"},
    {"code": "diuretics", "kind": "exclusion", "text": "Takes diuretics"},
    # One criterion for both, as the paper's CONSORT diagram counts them together.
    {
        "code": "recent_vitamin_k",
        "kind": "exclusion",
        "text": "Vitamin K antagonist (e.g. warfarin) or vitamin K2 within the last 2 months",
    },
]

# The reference trial's estimands (ICH E9(R1)). The paper's primary outcome is the mean
# number of cramps per week over the 8 intervention weeks; the plan adds what a trial
# statistician would pre-specify today: a count model as the primary analysis, multiple
# imputation for missing weeks, sensitivity analyses and multiplicity control.
_POPULATION = "All randomized participants, in the arm they were allocated to (intention to treat)"
_STOPPED = "Stopping the study product while still followed"
_WITHDRAWN = "Withdrawal from follow-up (no further diary data)"
_TREATMENT_POLICY = (
    "Treatment policy: the weeks after stopping are collected and analysed as observed"
)
_WEEKS = "over the 8 intervention weeks"


def _events(missing_data: str) -> list[dict]:
    return [
        {"event": _STOPPED, "strategy": _TREATMENT_POLICY},
        {"event": _WITHDRAWN, "strategy": f"Missing data: {missing_data}"},
    ]


def _estimand(outcome, title, variable, analysis, method, summary, missing_data, **extra):
    return {
        "outcome": outcome,
        "title": title,
        "population": extra.get("population", _POPULATION),
        "variable": variable,
        "intercurrent_events": extra.get("events", _events(missing_data)),
        "summary_measure": summary,
        "analysis": analysis,
        "method": method,
    }


_FREQUENCY = f"Number of nocturnal leg cramps per week {_WEEKS}"
_MAR = "multiple imputation under missing at random, within arm"
REFERENCE_PLAN = {
    "estimands": [
        _estimand(
            "frequency",
            "Cramp rate, adjusted for baseline (negative binomial)",
            _FREQUENCY,
            "primary",
            "models.negative_binomial.frequency",
            "Rate ratio of cramps per week, experimental over comparator arm; and the "
            "standardized difference in mean cramps per week",
            "every observed week is used (valid when missing weeks are missing at random "
            "given baseline); multiple imputation, jump to reference and a tipping point "
            "as sensitivity analyses",
        ),
        _estimand(
            "frequency",
            "Mean cramps per week, ANCOVA over multiple imputations",
            _FREQUENCY,
            "sensitivity",
            "missing_data.multiple_imputation.frequency",
            "Difference in mean cramps per week, adjusted for baseline",
            _MAR,
        ),
        _estimand(
            "frequency",
            "Missing experimental-arm weeks as in the comparator arm (jump to reference)",
            _FREQUENCY,
            "sensitivity",
            "missing_data.jump_to_reference.frequency",
            "Difference in mean cramps per week, adjusted for baseline",
            "jump to reference (multiple imputation)",
        ),
        _estimand(
            "frequency",
            "Tipping point: cramps added to the imputed experimental-arm weeks",
            _FREQUENCY,
            "sensitivity",
            "missing_data.tipping_point.frequency",
            "Difference in mean cramps per week at each added number of cramps",
            "delta-adjusted multiple imputation",
        ),
        _estimand(
            "frequency",
            "Per protocol: participants who took at least 80% of their capsules",
            _FREQUENCY,
            "sensitivity",
            "per_protocol.frequency",
            "Rate ratio of cramps per week, experimental over comparator arm",
            "observed weeks only",
            population="Randomized participants who took at least 80% of their capsules "
            "over their observed intervention weeks",
            events=[
                {"event": _STOPPED, "strategy": "Principal stratum of adherent participants"},
                {"event": _WITHDRAWN, "strategy": "Missing data: observed weeks only"},
            ],
        ),
        _estimand(
            "frequency",
            "Weekly counts, Poisson GEE adjusted for baseline",
            "Number of cramps in each observed intervention week",
            "supportive",
            "gee",
            "Rate ratio of cramps per week, experimental over comparator arm",
            "observed weeks only (missing completely at random)",
        ),
        _estimand(
            "frequency",
            "The published analysis: participant-weeks after single mean imputation",
            _FREQUENCY,
            "supportive",
            "outcomes.participant_week.frequency",
            "Difference in mean cramps per week",
            "single mean imputation (the published method)",
        ),
        _estimand(
            "duration",
            "Mean cramp duration, ANCOVA over multiple imputations",
            f"Mean cramp duration in minutes (0 in a week without cramps) {_WEEKS}",
            "secondary",
            "missing_data.multiple_imputation.duration",
            "Difference in mean duration, adjusted for baseline",
            _MAR,
        ),
        _estimand(
            "severity",
            "Mean cramp severity, ANCOVA over multiple imputations",
            f"Mean cramp severity on the 1-10 scale (0 in a week without cramps) {_WEEKS}",
            "secondary",
            "missing_data.multiple_imputation.severity",
            "Difference in mean severity, adjusted for baseline",
            _MAR,
        ),
        *(
            _estimand(
                outcome,
                f"Cramp {outcome} in the weeks with at least one cramp",
                f"Mean cramp {outcome} over the observed intervention weeks with a cramp",
                "supportive",
                f"supportive.weeks_with_cramps.{outcome}",
                f"Difference in mean {outcome}",
                "observed weeks only",
                population="Randomized participants with an observed week with a cramp",
            )
            for outcome in ("duration", "severity")
        ),
    ],
    "alpha": 0.05,
    "multiplicity": {"method": "holm", "secondary": ["duration", "severity"]},
    "adherence_threshold": 0.8,
    "capsules_per_week": 7,
    "imputations": 50,
    "seed": 20220901,
    "tipping_point_deltas": [float(d) for d in range(0, 41, 2)],
}

PRESETS = {
    "vitk2-nlc-2024": {
        "code": "VITK2-NLC",
        "title": "Vitamin K2 for nocturnal leg cramps",
        "arms": [
            {
                "code": "vitamin_k2",
                "label": "Vitamin K2 (MK-7) 180 µg",
                "role": "experimental",
                "ratio": 1,
            },
            {"code": "placebo", "label": "Placebo", "role": "comparator", "ratio": 1},
        ],
        "screening_weeks": 2,
        "intervention_weeks": 8,
        "call_window_days": 2,
        "min_age": 65,
        "min_screening_cramps": 2,
        "target_enrolment": 200,
        "site_prefixed_ids": True,
        "sites": [
            {"site_code": "C1", "name": "Centre 1", "target_enrolment": 100},
            {"site_code": "C2", "name": "Centre 2", "target_enrolment": 100},
        ],
        "criteria": REFERENCE_CRITERIA,
        "analysis_plan": REFERENCE_PLAN,
    },
    "magnesium-3site": {
        "code": "MG-NLC",
        "title": "Magnesium citrate for nocturnal leg cramps (three sites, six weeks)",
        "arms": [
            {
                "code": "magnesium",
                "label": "Magnesium citrate 300 mg",
                "role": "experimental",
                "ratio": 2,
            },
            {"code": "sham", "label": "Matching placebo", "role": "comparator", "ratio": 1},
        ],
        "screening_weeks": 1,
        "intervention_weeks": 6,
        "call_window_days": 1,
        "min_age": 50,
        "min_screening_cramps": 1,
        "target_enrolment": 90,
        "site_prefixed_ids": True,
        "sites": [
            {"site_code": "N", "name": "North clinic", "target_enrolment": 30},
            {"site_code": "S", "name": "South clinic", "target_enrolment": 30},
            {"site_code": "W", "name": "West clinic", "target_enrolment": 30},
        ],
        "criteria": [
            {
                "code": "nocturnal_leg_cramps",
                "kind": "inclusion",
                "text": "Has nocturnal leg cramps",
            },
            {"code": "renal_failure", "kind": "exclusion", "text": "Severe renal impairment"},
        ],
    },
}
