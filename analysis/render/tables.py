"""The report as flat tables (one header row, one row per line), for XLSX and CSV.

Cells hold the report's unrounded numbers; each table also says how many
decimals each cell is shown with (the display rounding), so a spreadsheet can
keep the full value and show the rounded one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OUTCOME_NAMES = {
    "frequency": "Cramps per week",
    "duration": "Cramp duration, min",
    "severity": "Cramp severity (1-10)",
}
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
    groups = order(report)
    return [
        _about(report),
        _consort(report, groups),
        _table1(report, groups),
        _baseline(report, groups),
        _comparison(report, groups, "participant_week", "Table 2: participant-weeks, pooled t"),
        _comparison(report, groups, "participant", "Participant means, Welch t"),
        _ancova(report, groups),
        _change(report, groups),
        _weekly(report, groups),
        _gee(report, groups),
        _adverse_events(report, groups),
        _imputed(report, groups),
        _figure2(report, groups),
        _notes(report),
    ]


def _about(report: dict) -> FlatTable:
    table = FlatTable("report", "About this report", ["item", "value"])
    trial = report["trial"]
    for item, value in (
        ("schema", report["schema"]),
        ("trial", trial["code"]),
        ("title", trial["title"]),
        ("blinded", "yes" if report["blinded"] else "no"),
        ("imputation", report["imputation"]),
        ("difference", report["difference"]),
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
    for outcome, reasons in consort["excluded_reasons"].items():
        for reason, count in sorted(reasons.items()):
            table.add([f"{outcome}: {reason or 'no reason given'}", count, None, None])
    table.add(["randomized", consort["randomized"], None, None])
    for item in ("allocated", "completed", "discontinued", "analysed"):
        counts = consort[item]
        table.add([item, sum(counts.values()), *(counts[g] for g in groups)])
    return table


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


def _comparison(report: dict, groups: list[str], key: str, title: str) -> FlatTable:
    table = FlatTable(key, title, ["outcome", *_group_columns(groups), *TEST_COLUMNS])
    for outcome, entry in report["outcomes"][key].items():
        table.add(
            [outcome, *_group_values(entry, groups), *_test_values(entry)],
            [None, *_outcome_decimals(groups), *_test_decimals()],
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
    columns = ["outcome", *_group_columns(groups), *TEST_COLUMNS]
    table = FlatTable("change", "Change from baseline", columns)
    for outcome, entry in report["change_from_baseline"].items():
        table.add(
            [outcome, *_group_values(entry, groups), *_test_values(entry)],
            [None, *_outcome_decimals(groups), *_test_decimals()],
        )
    return table


def _weekly(report: dict, groups: list[str]) -> FlatTable:
    columns = ["outcome", "week", *_group_columns(groups), *TEST_COLUMNS]
    table = FlatTable("weekly", "eTable 1: weekly comparisons", columns)
    for outcome, entries in report["weekly"].items():
        for entry in entries:
            table.add(
                [outcome, entry["week"], *_group_values(entry, groups), *_test_values(entry)],
                [None, None, *_outcome_decimals(groups), *_test_decimals()],
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


def _notes(report: dict) -> FlatTable:
    table = FlatTable("notes", "Notes", ["topic", "note"])
    for topic, text in report["notes"].items():
        table.add([topic, text])
    return table
