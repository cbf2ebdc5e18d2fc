"""The report as flat tables (one header row, one row per line), for XLSX and CSV.

Cells hold the report's unrounded numbers; each table also says how many
decimals each cell is shown with (the display rounding), so a spreadsheet can
keep the full value and show the rounded one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.render.labels import OUTCOME_NAMES

__all__ = ["OUTCOME_NAMES", "FlatTable", "flat_tables"]
OUTCOME_DECIMALS = 2
P_DECIMALS = 3


@dataclass
class FlatTable:
    name: str  # sheet and file name
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    decimals: list[list[int | None]] = field(default_factory=list)

    def add(self, values: list, decimals: list[int | None] | int | None = None) -> None:
        if not isinstance(decimals, list):
            decimals = [decimals if isinstance(v, float) else None for v in values]
        self.rows.append(values)
        self.decimals.append(decimals)


def order(report: dict) -> list[str]:
    return [arm["code"] for arm in report["arms"]]


def flat_tables(report: dict) -> list[FlatTable]:
    """Every table of the report; an open report (one pooled group) has no comparison
    column and no table of a between-group analysis."""
    groups = order(report)
    tables = [
        _about(report),
        _estimands(report),
        _analyses(report),
        _plan(report),
        _consort(report, groups),
        _table1(report, groups),
        _baseline(report, groups),
        _comparison(report, groups, "participant_week", "Table 2: participant-weeks, pooled t"),
        _comparison(report, groups, "participant", "Participant means, Welch t"),
    ]
    if len(groups) > 1:
        tables.append(_ancova(report, groups))
    tables += [_change(report, groups), _weekly(report, groups)]
    if len(groups) > 1:
        tables.append(_gee(report, groups))
    if "models" in report:
        tables += [
            _rate_model(
                report,
                groups,
                report["models"]["negative_binomial"]["frequency"],
                "negative_binomial",
                "Primary: negative binomial model of cramps per week",
            ),
            _multiple_imputation(report),
            _tipping(report),
            _rate_model(
                report,
                groups,
                report["per_protocol"]["frequency"],
                "per_protocol",
                f"Per protocol (took at least {report['per_protocol']['threshold']:.0%} "
                "of capsules): negative binomial model",
            ),
            _multiplicity(report),
        ]
    tables += [
        _weeks_with_cramps(report, groups),
        _adherence(report, groups),
        _adverse_events(report, groups),
        _imputed(report, groups),
        _completeness(report, groups),
        _figure2(report, groups),
        _notes(report),
    ]
    return tables


def _about(report: dict) -> FlatTable:
    table = FlatTable("report", "About this report", ["item", "value"])
    trial = report["trial"]
    for item, value in (
        ("schema", report["schema"]),
        ("trial", trial["code"]),
        ("title", trial["title"]),
        ("view", report.get("view")),
        ("blinded", "yes" if report["blinded"] else "no"),
        ("imputation", report["imputation"]),
        ("difference", report.get("difference", "none (one pooled group)")),
        ("screening_weeks", trial["screening_weeks"]),
        ("intervention_weeks", trial["intervention_weeks"]),
        ("data_sha256", report["data_sha256"]),
    ):
        table.add([item, value])
    for arm in report["arms"]:
        table.add([f"group {arm['code']}", arm["label"]])
    return table


def _consort(report: dict, groups: list[str]) -> FlatTable:
    consort = report["consort"]
    table = FlatTable("consort", "CONSORT flow", ["item", "total", *groups])
    for item in ("screened", "excluded", "not_meeting_inclusion", "meeting_exclusion", "declined"):
        table.add([item, consort[item], *([None] * len(groups))])
    blank = [None] * len(groups)
    for outcome, reasons in consort["excluded_reasons"].items():
        for reason, count in sorted(reasons.items()):
            table.add([f"{outcome}: {reason or 'no reason given'}", count, *blank])
    table.add(["randomized", consort["randomized"], *blank])
    for item in CONSORT_FLOW:
        if item not in consort:
            continue
        counts = consort[item]
        table.add([item, sum(counts.values()), *(counts[g] for g in groups)])
        why = "not_received" if item == "received" else item  # reasons of the others
        by_group = consort.get(f"{why}_reasons", {})
        for reason in sorted({r for reasons in by_group.values() for r in reasons}):
            cells = [by_group.get(g, {}).get(reason, 0) for g in groups]
            table.add([f"{why}: {reason}", sum(cells), *cells])
    return table


# The per-group rows of the CONSORT table, in the diagram's order; a row's reasons
# (`<row>_reasons`) follow it.
CONSORT_FLOW = (
    "allocated",
    "received",
    "completed",
    "discontinued",
    "stopped_treatment",
    "lost_to_follow_up",
    "analysed",
)


TABLE1_ROWS = {
    "female": ("Female", 1),
    "male": ("Male", 1),
    "age": ("Age, y", 1),
    "height_cm": ("Height, cm", 1),
    "weight_kg": ("Weight, kg", 1),
    "hypertension": ("Hypertension", 1),
    "diabetes": ("Diabetes", 1),
    "creatinine_mg_dl": ("Creatinine, mg/dL", 2),
}


def _table1(report: dict, groups: list[str]) -> FlatTable:
    columns = ("total", *groups)
    with_p = report.get("table1_pvalues", False)
    table = FlatTable(
        "table1",
        "Table 1: baseline characteristics",
        ["characteristic", "statistic", *columns] + (["p"] if with_p else []),
    )
    for var, (_name, digits) in TABLE1_ROWS.items():
        row = report["table1"][var]
        stats = ("n", "pct") if "pct" in row["total"] else ("mean", "sd")
        for stat in stats:
            values = [row[c][stat] for c in columns]
            decimals = [None if stat == "n" else digits] * len(columns)
            extra = [row.get("p")] if with_p else []
            table.add(
                [var, stat, *values, *extra],
                [None, None, *decimals] + ([P_DECIMALS] if with_p else []),
            )
    return table


def _group_columns(groups: list[str], stats=("n", "mean", "sd")) -> list[str]:
    return [f"{g}_{s}" for g in groups for s in stats]


def _group_values(entry: dict, groups: list[str], stats=("n", "mean", "sd")) -> list:
    return [entry[g].get(s) for g in groups for s in stats]


TEST_COLUMNS = ["difference", "ci95_low", "ci95_high", "p", "df"]


def _test_values(entry: dict) -> list:
    low, high = entry["ci95"]
    return [entry["difference"], low, high, entry["p"], entry.get("df")]


def _test_decimals() -> list:
    return [OUTCOME_DECIMALS, OUTCOME_DECIMALS, OUTCOME_DECIMALS, P_DECIMALS, None]


def _outcome_decimals(groups: list[str], stats=("n", "mean", "sd")) -> list:
    return [None if s == "n" else OUTCOME_DECIMALS for _ in groups for s in stats]


def _baseline(report: dict, groups: list[str]) -> FlatTable:
    table = FlatTable(
        "baseline", "Baseline (screening weeks)", ["outcome", *_group_columns(groups)]
    )
    for outcome, entry in report["baseline"].items():
        table.add([outcome, *_group_values(entry, groups)], [None, *_outcome_decimals(groups)])
    return table


def _tests(groups: list[str]) -> list[str]:
    return TEST_COLUMNS if len(groups) > 1 else []


def _test_cells(entry: dict, groups: list[str]) -> tuple[list, list]:
    if len(groups) < 2:
        return [], []
    return _test_values(entry), _test_decimals()


def _comparison(report: dict, groups: list[str], key: str, title: str) -> FlatTable:
    table = FlatTable(key, title, ["outcome", *_group_columns(groups), *_tests(groups)])
    for outcome, entry in report["outcomes"][key].items():
        values, decimals = _test_cells(entry, groups)
        table.add(
            [outcome, *_group_values(entry, groups), *values],
            [None, *_outcome_decimals(groups), *decimals],
        )
    return table


def _ancova(report: dict, groups: list[str]) -> FlatTable:
    columns = ["outcome", *_group_columns(groups, ("n",)), *TEST_COLUMNS]
    table = FlatTable("ancova", "ANCOVA adjusted for baseline", columns)
    for outcome, entry in report["outcomes"]["ancova"].items():
        table.add(
            [outcome, *_group_values(entry, groups, ("n",)), *_test_values(entry)],
            [None, *([None] * len(groups)), *_test_decimals()],
        )
    return table


def _change(report: dict, groups: list[str]) -> FlatTable:
    columns = ["outcome", *_group_columns(groups), *_tests(groups)]
    table = FlatTable("change", "Change from baseline", columns)
    for outcome, entry in report["change_from_baseline"].items():
        values, decimals = _test_cells(entry, groups)
        table.add(
            [outcome, *_group_values(entry, groups), *values],
            [None, *_outcome_decimals(groups), *decimals],
        )
    return table


def _weekly(report: dict, groups: list[str]) -> FlatTable:
    columns = ["outcome", "week", *_group_columns(groups), *_tests(groups)]
    title = (
        "eTable 1: weekly comparisons (exploratory, not adjusted)"
        if len(groups) > 1
        else "eTable 1: weekly values"
    )
    table = FlatTable("weekly", title, columns)
    for outcome, entries in report["weekly"].items():
        for entry in entries:
            values, decimals = _test_cells(entry, groups)
            table.add(
                [outcome, entry["week"], *_group_values(entry, groups), *values],
                [None, None, *_outcome_decimals(groups), *decimals],
            )
    return table


GEE_STATS = ("participants", "weeks", "rate")


def _gee(report: dict, groups: list[str]) -> FlatTable:
    gee = report["gee"]
    columns = [
        *[f"{g}_{s}" for g in groups for s in GEE_STATS],
        "rate_ratio",
        "ci95_low",
        "ci95_high",
        "p",
        "family",
        "correlation",
        "covariance",
        "working_correlation",
        "dispersion",
    ]
    table = FlatTable("gee", "Cramp rate ratio (GEE)", columns)
    low, high = gee["ci95"]
    values = [
        *[gee[s][g] for g in groups for s in GEE_STATS],
        gee["rate_ratio"],
        low,
        high,
        gee["p"],
        gee["family"],
        gee["correlation"],
        gee["covariance"],
        gee["working_correlation"],
        gee["dispersion"],
    ]
    decimals = [
        *[OUTCOME_DECIMALS if s == "rate" else None for _ in groups for s in GEE_STATS],
        *[OUTCOME_DECIMALS] * 3,
        P_DECIMALS,
        None,
        None,
        None,
        OUTCOME_DECIMALS,
        OUTCOME_DECIMALS,
    ]
    table.add(values, decimals)
    return table


def _adverse_events(report: dict, groups: list[str]) -> FlatTable:
    events = report["adverse_events"]
    table = FlatTable(
        "adverse_events",
        "Adverse events",
        ["participants_with", *_group_columns(groups, ("n", "pct"))],
    )
    for kind in ("any", "serious", "related"):
        table.add(
            [kind, *_group_values(events[kind], groups, ("n", "pct"))],
            [None, *[None if s == "n" else 1 for _ in groups for s in ("n", "pct")]],
        )
    return table


def _imputed(report: dict, groups: list[str]) -> FlatTable:
    table = FlatTable("imputed", "Participant-weeks filled in by imputation", ["group", "imputed"])
    for g in groups:
        table.add([g, report["imputed"][g]])
    return table


def _figure2(report: dict, groups: list[str]) -> FlatTable:
    columns = ["phase", "week", *_group_columns(groups)]
    table = FlatTable("figure2", "Figure 2: observed cramps per week", columns)
    for point in report["figure2"]["points"]:
        table.add(
            [point["phase"], point["week"], *_group_values(point, groups)],
            [None, None, *_outcome_decimals(groups)],
        )
    return table


def _text(value) -> str:
    return value if isinstance(value, str) else ", ".join(str(v) for v in value)


def _estimands(report: dict) -> FlatTable:
    columns = [
        "analysis",
        "outcome",
        "title",
        "population",
        "variable",
        "intercurrent_events",
        "summary_measure",
        "method",
    ]
    table = FlatTable("estimands", "Estimands (ICH E9(R1)) of the analysis plan", columns)
    for estimand in report.get("estimands", []):
        events = "; ".join(
            f"{event['event']}: {event['strategy']}" for event in estimand["intercurrent_events"]
        )
        table.add(
            [*(estimand[c] for c in columns[:5]), events, *(estimand[c] for c in columns[6:])]
        )
    return table


def _analyses(report: dict) -> FlatTable:
    table = FlatTable("analyses", "What each result of the report is", ["result", "label"])
    for key, label in sorted(report.get("analyses", {}).items()):
        table.add([key, label])
    return table


def _plan(report: dict) -> FlatTable:
    table = FlatTable("plan", "Statistical analysis plan: settings", ["setting", "value"])
    for key, value in report.get("plan", {}).items():
        if isinstance(value, dict):
            for inner, item in value.items():
                table.add([f"{key}.{inner}", _text(item)])
        else:
            table.add([key, value if isinstance(value, int | float | str) else _text(value)])
    return table


def _rate_model(report: dict, groups: list[str], entry: dict, name: str, title: str):
    columns = [
        *[f"{g}_{s}" for g in groups for s in ("n", "rate")],
        "rate_ratio",
        "ci95_low",
        "ci95_high",
        "p",
        "marginal_difference",
        "marginal_ci95_low",
        "marginal_ci95_high",
        "marginal_p",
        "alpha",
        "covariates",
        "converged",
    ]
    table = FlatTable(name, title, columns)
    table.add(
        [
            *[v for g in groups for v in (entry["n"][g], entry["rate"][g])],
            entry["rate_ratio"],
            *entry["ci95"],
            entry["p"],
            entry["marginal_difference"],
            *entry["marginal_ci95"],
            entry["marginal_p"],
            entry["alpha"],
            _text(entry["covariates"]),
            entry["converged"],
        ],
        [
            *[d for _ in groups for d in (None, OUTCOME_DECIMALS)],
            *[OUTCOME_DECIMALS] * 3,
            P_DECIMALS,
            *[OUTCOME_DECIMALS] * 3,
            P_DECIMALS,
            3,
            None,
            None,
        ],
    )
    return table


POOLED_COLUMNS = [
    "difference",
    "ci95_low",
    "ci95_high",
    "p",
    "df",
    "fraction_missing_information",
    "m",
    "seed",
]


def _pooled_values(entry: dict) -> list:
    return [
        entry["difference"],
        *entry["ci95"],
        entry["p"],
        entry["df"],
        entry["fraction_missing_information"],
        entry["m"],
        entry["seed"],
    ]


POOLED_DECIMALS = [*[OUTCOME_DECIMALS] * 3, P_DECIMALS, 1, 3, None, None]


def _multiple_imputation(report: dict) -> FlatTable:
    table = FlatTable(
        "multiple_imputation",
        "ANCOVA over multiple imputations (Rubin's rules), and jump to reference",
        ["outcome", "analysis", "imputed_group", "reference_group", *POOLED_COLUMNS],
    )
    missing = report["missing_data"]
    for outcome, entry in missing["multiple_imputation"].items():
        table.add(
            [outcome, "missing at random", None, None, *_pooled_values(entry)],
            [None] * 4 + POOLED_DECIMALS,
        )
    j2r = missing["jump_to_reference"].get("frequency")
    for entry in (j2r, (j2r or {}).get("reverse")):
        if entry:
            table.add(
                [
                    "frequency",
                    "jump to reference",
                    entry["imputed_group"],
                    entry["reference_group"],
                    *_pooled_values(entry),
                ],
                [None] * 4 + POOLED_DECIMALS,
            )
    return table


def _tipping(report: dict) -> FlatTable:
    table = FlatTable(
        "tipping_point",
        "Tipping point: cramps per week added to the imputed weeks of a group",
        ["shifted_group", "delta", "difference", "ci95_low", "ci95_high", "p", "tipping_delta"],
    )
    tipping = report["missing_data"]["tipping_point"].get("frequency")
    for entry in (tipping, (tipping or {}).get("reverse")):
        if not entry:
            continue
        for delta, d, ci, p in zip(
            entry["deltas"], entry["difference"], entry["ci95"], entry["p"], strict=True
        ):
            table.add(
                [entry["shifted_group"], delta, d, *ci, p, entry["tipping_delta"]],
                [None, 1, *[OUTCOME_DECIMALS] * 3, P_DECIMALS, 1],
            )
    return table


def _multiplicity(report: dict) -> FlatTable:
    plan = report["multiplicity"]
    table = FlatTable(
        "multiplicity",
        f"Multiplicity: primary, then secondary outcomes by {plan['method']}",
        ["family", "outcome", "analysis", "p", "p_adjusted", "significant"],
    )
    for family, entries in (("primary", [plan["primary"]]), ("secondary", plan["secondary"])):
        for entry in entries:
            table.add(
                [
                    family,
                    entry["outcome"],
                    entry["analysis"],
                    entry["p"],
                    entry["p_adjusted"],
                    entry["significant"],
                ],
                [None, None, None, P_DECIMALS, P_DECIMALS, None],
            )
    return table


def _weeks_with_cramps(report: dict, groups: list[str]) -> FlatTable:
    table = FlatTable(
        "weeks_with_cramps",
        "Duration and severity over the weeks with at least one cramp (participant means)",
        ["outcome", *_group_columns(groups), *_tests(groups)],
    )
    for outcome, entry in report["supportive"]["weeks_with_cramps"].items():
        values, decimals = _test_cells(entry, groups)
        table.add(
            [outcome, *_group_values(entry, groups), *values],
            [None, *_outcome_decimals(groups), *decimals],
        )
    return table


def _adherence(report: dict, groups: list[str]) -> FlatTable:
    adherence = report["supportive"]["adherence"]
    table = FlatTable(
        "adherence",
        f"Adherence: capsules missed per observed week; adherent = took at least "
        f"{adherence['threshold']:.0%} of capsules",
        ["statistic", *_group_columns(groups), *_tests(groups)],
    )
    missed = adherence["missed_per_week"]
    values, decimals = _test_cells(missed, groups)
    table.add(
        ["capsules_missed_per_week", *_group_values(missed, groups), *values],
        [None, *_outcome_decimals(groups), *decimals],
    )
    adherent = adherence["adherent"]
    table.add(
        [
            "adherent",
            *[v for g in groups for v in (adherent[g]["n"], adherent[g]["pct"], None)],
            *([None] * len(_tests(groups))),
        ],
        [None, *[d for _ in groups for d in (None, 1, None)], *([None] * len(_tests(groups)))],
    )
    return table


def _completeness(report: dict, groups: list[str]) -> FlatTable:
    completeness = report["completeness"]
    table = FlatTable(
        "completeness",
        "Observed intervention weeks of the randomized participants",
        ["week", *[f"{g}_{s}" for g in groups for s in ("observed", "pct")]],
    )
    for entry in completeness["by_week"]:
        table.add(
            [entry["week"], *[v for g in groups for v in (entry[g]["observed"], entry[g]["pct"])]],
            [None, *[d for _ in groups for d in (None, 1)]],
        )
    table.add(
        [
            "all",
            *[v for g in groups for v in (completeness[g]["observed"], completeness[g]["pct"])],
        ],
        [None, *[d for _ in groups for d in (None, 1)]],
    )
    return table


def _notes(report: dict) -> FlatTable:
    table = FlatTable("notes", "Notes", ["topic", "note"])
    for topic, text in report["notes"].items():
        table.add([topic, text])
    return table
