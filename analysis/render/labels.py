"""What a reader sees instead of the report's keys: labels, units with their proper
symbols, and the footnote on the week values.

The report dict keeps its machine keys (the JSON contract); the HTML page, the
workbook and the figures name things with these labels. A group's label is the
report's own (`arms[].label`): "Group A" in a coded report, the pooled group in an
open one, the arm's label only in an unblinded report, so a label never says more
than the report's view allows.
"""

from __future__ import annotations

import re

from analysis.conventions import IMPUTATION_LABELS

OUTCOME_NAMES = {
    "frequency": "Cramps per week",
    "duration": "Cramp duration, min",
    "severity": "Cramp severity (1\u201310 scale)",
}

# Where duration and severity are means over every week (data-package.md, "Week values").
WEEK_VALUES_NOTE = (
    "Weeks without cramps count 0 for duration and severity (no cramp, no duration, no "
    "pain), so a mean severity can lie below 1, the lowest point of the 1\u201310 scale; "
    "only the table of weeks with at least one cramp leaves those weeks out."
)

_UNITS = (
    (re.compile(r"(?<=\d)\s*(?:ug|mcg)\b", re.IGNORECASE), "\u00a0\u00b5g"),
    (re.compile(r"(?<![\w/])(?:ug|mcg)(?=/)", re.IGNORECASE), "\u00b5g"),
    (re.compile(r"\bmg/dl\b", re.IGNORECASE), "mg/dL"),
)


def units(text):
    """Unit symbols as journals print them: 180 ug or 180 mcg -> 180 µg, mg/dl -> mg/dL
    (anything that is not text is returned as it is)."""
    if not isinstance(text, str):
        return text
    for pattern, symbol in _UNITS:
        text = pattern.sub(symbol, text)
    return text


def for_display(report: dict) -> dict:
    """The report with its arm labels and title in display form (a shallow copy; the
    numbers are untouched)."""
    trial = report["trial"]
    shown = {
        **report,
        "arms": [{**arm, "label": units(arm["label"])} for arm in report["arms"]],
        "trial": {**trial, "title": units(trial.get("title"))},
    }
    if "difference" in report:  # "<group> minus <group>", by code
        labels = {arm["code"]: arm["label"] for arm in shown["arms"]}
        first, _, second = report["difference"].partition(" minus ")
        shown["difference"] = f"{labels.get(first, first)} minus {labels.get(second, second)}"
    return shown


def imputation_name(report: dict) -> str:
    return IMPUTATION_LABELS.get(report["imputation"], report["imputation"])


STATISTICS = {
    "n": "n",
    "mean": "mean",
    "sd": "SD",
    "pct": "%",
    "rate": "cramps per observed week",
    "participants": "participants",
    "weeks": "observed weeks",
    "observed": "observed weeks",
}

# Column headings and row names of the flat tables (analysis.render.tables).
KEYS = {
    # columns
    "item": "",
    "value": "Value",
    "total": "Total",
    "characteristic": "Characteristic",
    "statistic": "Statistic",
    "outcome": "Outcome",
    "week": "Week",
    "phase": "Phase",
    "group": "Group",
    "imputed": "Imputed participant-weeks",
    "participants_with": "Participants with",
    "difference": "Difference",
    "ci95_low": "95% CI, lower",
    "ci95_high": "95% CI, upper",
    "p": "P value",
    "p_adjusted": "P value, adjusted",
    "df": "Degrees of freedom",
    "rate_ratio": "Rate ratio",
    "marginal_difference": "Standardized difference, cramps per week",
    "marginal_ci95_low": "Standardized difference, 95% CI, lower",
    "marginal_ci95_high": "Standardized difference, 95% CI, upper",
    "marginal_p": "Standardized difference, P value",
    "alpha": "Dispersion (NB2 alpha)",
    "covariates": "Covariates",
    "converged": "Converged",
    "family": "Family",
    "correlation": "Working correlation",
    "covariance": "Covariance",
    "working_correlation": "Working correlation estimate",
    "dispersion": "Dispersion",
    "analysis": "Analysis",
    "title": "Title",
    "population": "Population",
    "variable": "Variable",
    "intercurrent_events": "Intercurrent events",
    "summary_measure": "Summary measure",
    "method": "Method",
    "result": "Result",
    "label": "Label",
    "setting": "Setting",
    "imputed_group": "Imputed group",
    "reference_group": "Reference group",
    "fraction_missing_information": "Fraction of missing information",
    "m": "Imputations (m)",
    "seed": "Random seed",
    "shifted_group": "Shifted group",
    "delta": "Cramps per week added",
    "tipping_delta": "Tipping point",
    "significant": "Significant",
    "topic": "Topic",
    "note": "Note",
    # rows
    "schema": "Schema",
    "trial": "Trial",
    "view": "Report",
    "blinded": "Blinded",
    "imputation": "Missing intervention weeks",
    "screening_weeks": "Screening weeks",
    "intervention_weeks": "Intervention weeks",
    "data_sha256": "Data SHA-256",
    "screened": "Assessed for eligibility",
    "excluded": "Excluded",
    "not_meeting_inclusion": "Not meeting inclusion criteria",
    "meeting_exclusion": "Meeting exclusion criteria",
    "declined": "Declined to participate",
    "randomized": "Randomized",
    "allocated": "Allocated",
    "received": "Received the allocated intervention",
    "not_received": "Did not receive the allocated intervention",
    "completed": "Completed the intervention",
    "discontinued": "Discontinued the intervention",
    "lost_to_follow_up": "Lost to follow-up (no observed intervention week)",
    "stopped_treatment": "Stopped the product, still followed",
    "analysed": "Analysed",
    "female": "Female",
    "male": "Male",
    "age": "Age, y",
    "height_cm": "Height, cm",
    "weight_kg": "Weight, kg",
    "hypertension": "Hypertension",
    "diabetes": "Diabetes",
    "creatinine_mg_dl": "Creatinine, mg/dL",
    "any": "Any adverse event",
    "serious": "Serious adverse event",
    "related": "Possibly, probably or definitely related",
    "capsules_missed_per_week": "Capsules missed per observed week",
    "adherent": "Adherent (n, %)",
    "all": "All weeks",
    "screening": "Screening",
    "intervention": "Intervention",
    "primary": "Primary",
    "secondary": "Secondary",
    "sensitivity": "Sensitivity",
    "supportive": "Supportive",
    "exploratory": "Exploratory",
    "groups": "Groups",
    "baseline": "Baseline",
    "gee": "Rate ratio (GEE)",
    "holm": "Holm",
    "hierarchical": "Fixed sequence",
    "poisson": "Poisson",
    "imputations": "Imputations (m)",
    **OUTCOME_NAMES,
}

_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+")


def humanize(key: str) -> str:
    """A key no table names: its words, capitalized ("tipping_point_deltas" ->
    "Tipping point deltas"; "outcomes.ancova.severity" -> "Outcomes, ancova, severity")."""
    words = ", ".join(part.replace("_", " ") for part in key.split("."))
    return words[:1].upper() + words[1:]


class Labeller:
    """Labels for the cells of one report's flat tables."""

    def __init__(self, report: dict):
        self.groups = {arm["code"]: arm["label"] for arm in report["arms"]}

    def column(self, key: str) -> str:
        if key in self.groups:
            return self.groups[key]
        for code, label in self.groups.items():
            stat = key[len(code) + 1 :]
            if key.startswith(code + "_") and stat in STATISTICS:
                return f"{label}, {STATISTICS[stat]}"
        return KEYS.get(key, humanize(key) if _IDENTIFIER.fullmatch(key) else key)

    def cell(self, value):
        """A text cell that is a key (a group code, an outcome, an imputation, a
        result's path) as its label; every other value as it is."""
        if not isinstance(value, str):
            return value
        if value in self.groups:
            return self.groups[value]
        if value in IMPUTATION_LABELS:
            return IMPUTATION_LABELS[value]
        if value in KEYS:
            return KEYS[value] or value
        if value in STATISTICS:
            return STATISTICS[value]
        if value.startswith("group ") and value[len("group ") :] in self.groups:
            return "Group"
        if ": " in value and value.split(": ", 1)[0] in KEYS:  # "declined: <reason>"
            key, reason = value.split(": ", 1)
            return f"{KEYS[key]}: {reason}"
        if _IDENTIFIER.fullmatch(value):
            return humanize(value)
        return value
