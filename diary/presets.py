"""Protocols that can be loaded by name. Each is plain data in the shape of the
data package's trial.json, plus sites and eligibility criteria."""

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
