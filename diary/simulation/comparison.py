"""The paper's published figures beside an unblinded ITT report of the reference
trial, each rounded as the paper rounds it, for the demo's side-by-side tables.

Only reads the report (a plain dict, as `analysis.report.build_report` returns
it) and the published file; nothing here feeds back into a report.
"""

from __future__ import annotations

from dataclasses import dataclass

from diary.presets import PRESETS
from diary.simulation.answers import EXCLUSION_CRITERIA
from diary.simulation.published import ARM_CODES, paper_round, published

CONSORT = "CONSORT flow"
TABLE1 = "Table 1. Baseline characteristics"
BASELINE = "Baseline weekly cramp frequency"
TABLE2 = "Table 2. Outcomes during the 8 weeks (participant-weeks, pooled t-test)"
CHANGE = "Change from baseline"
OTHER = "Reported in the text"
SECTIONS = (CONSORT, TABLE1, BASELINE, TABLE2, CHANGE, OTHER)

TABLE1_NAMES = {
    "female": "Female, No. (%)",
    "male": "Male, No. (%)",
    "age": "Age, mean (SD), y",
    "height_cm": "Height, mean (SD), cm",
    "weight_kg": "Weight, mean (SD), kg",
    "hypertension": "Hypertension, No. (%)",
    "diabetes": "Diabetes, No. (%)",
    "creatinine_mg_dl": "Creatinine, mean (SD), mg/dL",
}
OUTCOME_NAMES = {
    "frequency": "Cramps per week",
    "duration": "Duration, min",
    "severity": "Severity (1-10)",
}
SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Figure:
    """One published figure (or a group printed together, e.g. a mean and its SD)."""

    section: str
    label: str
    column: str
    ours: str
    paper: str

    @property
    def match(self) -> bool:
        return self.ours == self.paper


def _num(value, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{paper_round(value, decimals):.{decimals}f}"


def _mean_sd(entry: dict, decimals: int) -> str:
    return f"{_num(entry['mean'], decimals)} ({_num(entry['sd'], decimals)})"


def _n_pct(entry: dict) -> str:
    return f"{entry['n']} ({_num(entry['pct'], 1)})"


def _diff_ci(entry: dict) -> str:
    low, high = entry["ci95"]
    return f"{_num(entry['difference'], 2)} ({_num(low, 2)} to {_num(high, 2)})"


def _p(p) -> str:
    if p is None:
        return "—"
    return "<.001" if p < 0.001 else f"{p:.3f}".removeprefix("0")


def paper_comparison(report: dict) -> list[Figure]:
    """Every figure the paper publishes about the trial's data, ours beside it."""
    if report.get("blinded", True):
        raise ValueError("the comparison with the paper needs an unblinded report")
    codes = [arm["code"] for arm in report["arms"]]
    if sorted(codes) != sorted(ARM_CODES):
        raise ValueError(f"the report's arms {codes} are not the reference trial's")
    names = {arm["code"]: arm["label"] for arm in report["arms"]}
    pub = published()
    return [
        *_consort(report, pub, names),
        *_table1(report, pub, names),
        *_baseline(report, pub, names),
        *_table2(report, pub, names),
        *_change(report, pub, names),
        *_other(report, pub),
    ]


def _consort(report: dict, pub: dict, names: dict) -> list[Figure]:
    ours, paper = report["consort"], pub["consort"]
    rows = [
        Figure(CONSORT, label, "", str(ours[key]), str(paper[key]))
        for key, label in (
            ("screened", "Screened"),
            ("excluded", "Excluded"),
            ("not_meeting_inclusion", "Not meeting inclusion criteria"),
            ("meeting_exclusion", "Meeting exclusion criteria"),
        )
    ]
    criteria = {c["code"]: c["text"] for c in PRESETS["vitk2-nlc-2024"]["criteria"]}
    reasons = ours.get("excluded_reasons", {}).get("meeting_exclusion", {})
    for detail, count in paper["meeting_exclusion_detail"].items():
        texts = [criteria[code] for code in EXCLUSION_CRITERIA[detail]]
        found = sum(n for reason, n in reasons.items() if any(t in reason for t in texts))
        rows.append(Figure(CONSORT, f"  {detail}", "", str(found), str(count)))
    rows += [
        Figure(CONSORT, "Declined", "", str(ours["declined"]), str(paper["declined"])),
        Figure(CONSORT, "Randomized", "", str(ours["randomized"]), str(paper["randomized"])),
    ]
    for code in ARM_CODES:
        rows.append(
            Figure(
                CONSORT,
                "Allocated",
                names[code],
                str(ours["allocated"][code]),
                str(paper["allocated"][code]),
            )
        )
    for code in ARM_CODES:
        done, allocated = ours["completed"][code], ours["allocated"][code]
        pct = 100 * done / allocated if allocated else None
        rows.append(
            Figure(
                CONSORT,
                "Completed, No. (%)",
                names[code],
                f"{done} ({_num(pct, 1)})",
                f"{paper['completed'][code]} ({_num(paper['completed_pct'][code], 1)})",
            )
        )
    for code in ARM_CODES:
        rows.append(
            Figure(
                CONSORT,
                "Analysed (intention to treat)",
                names[code],
                str(ours["analysed"][code]),
                str(paper["analysed_itt"][code]),
            )
        )
    return rows


def _table1(report: dict, pub: dict, names: dict) -> list[Figure]:
    rows = []
    n = report["consort"]["randomized"]
    columns = {"total": f"Total (n = {n})", **names}
    for var, label in TABLE1_NAMES.items():
        decimals = 2 if var == "creatinine_mg_dl" else 1
        for column, heading in columns.items():
            ours, paper = report["table1"][var][column], pub["table1"][var][column]
            if "pct" in paper:
                rows.append(Figure(TABLE1, label, heading, _n_pct(ours), _n_pct(paper)))
            else:
                text = _mean_sd(ours, decimals), _mean_sd(paper, decimals)
                rows.append(Figure(TABLE1, label, heading, *text))
    return rows


def _baseline(report: dict, pub: dict, names: dict) -> list[Figure]:
    return [
        Figure(
            BASELINE,
            "Cramps per week",
            f"{names[code]}, mean (SD)",
            _mean_sd(report["baseline"]["frequency"][code], 2),
            _mean_sd(pub["baseline"]["frequency"][code], 2),
        )
        for code in ARM_CODES
    ]


def _table2(report: dict, pub: dict, names: dict) -> list[Figure]:
    rows = []
    for outcome, label in OUTCOME_NAMES.items():
        ours = report["outcomes"]["participant_week"][outcome]
        paper = pub["table2_participant_week"][outcome]
        for code in ARM_CODES:
            text = _mean_sd(ours[code], 2), _mean_sd(paper[code], 2)
            rows.append(Figure(TABLE2, label, f"{names[code]}, mean (SD)", *text))
        paper_ci = {"difference": paper["difference"], "ci95": paper["ci95"]}
        rows.append(
            Figure(TABLE2, label, "Difference (95% CI)", _diff_ci(ours), _diff_ci(paper_ci))
        )
        if "p" in paper:
            rows.append(Figure(TABLE2, label, "P value", _p(ours["p"]), paper["p"]))
    return rows


def _change(report: dict, pub: dict, names: dict) -> list[Figure]:
    rows = []
    for outcome, label in OUTCOME_NAMES.items():
        ours = report["change_from_baseline"][outcome]
        paper = pub["change_from_baseline"][outcome]
        for code in ARM_CODES:
            text = _mean_sd(ours[code], 2), _mean_sd(paper[code], 2)
            rows.append(Figure(CHANGE, label, f"{names[code]}, mean (SD)", *text))
        if "p" in paper:
            rows.append(Figure(CHANGE, label, "P value", _p(ours["p"]), paper["p"]))
    return rows


def _other(report: dict, pub: dict) -> list[Figure]:
    experimental = next(a["code"] for a in report["arms"] if a.get("role") == "experimental")
    related = report["adverse_events"]["related"][experimental]["n"]
    weekly = [entry["p"] for entry in report["weekly"]["frequency"]]
    significant = [p is not None and p < SIGNIFICANT for p in weekly]
    first = next((w + 1 for w in range(len(weekly)) if all(significant[w:])), None)
    return [
        Figure(
            OTHER,
            "Adverse events related to the experimental treatment",
            "",
            str(related),
            str(pub["adverse_events_related_to_treatment"]),
        ),
        Figure(
            OTHER,
            "Weekly cramp difference significant from week",
            "",
            str(first),
            str(pub["reported_elsewhere_in_text"]["weekly_difference_significant_from_week"]),
        ),
    ]


def comparison_lines(figures: list[Figure], sections=SECTIONS) -> list[str]:
    """The figures as text tables (one per section): label, column, ours, paper, match."""
    shown = [f for f in figures if f.section in sections]
    if not shown:
        return []
    label_w = max(len(f.label) for f in shown)
    column_w = max(len(f.column) for f in shown)
    value_w = max(max(len(f.ours), len(f.paper)) for f in shown)
    width = label_w + column_w + 2 * value_w + 14
    lines = []
    for section in sections:
        rows = [f for f in shown if f.section == section]
        if not rows:
            continue
        lines += ["", section, "-" * width]
        lines.append(
            f"{'':{label_w}}  {'':{column_w}}  {'ours':>{value_w}}  {'paper':>{value_w}}  match"
        )
        previous = None
        for f in rows:
            label = f.label if f.label != previous else ""
            previous = f.label
            mark = "✓" if f.match else "✗"
            lines.append(
                f"{label:{label_w}}  {f.column:{column_w}}  {f.ours:>{value_w}}  "
                f"{f.paper:>{value_w}}  {mark}"
            )
    return lines
