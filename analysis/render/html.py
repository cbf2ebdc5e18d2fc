"""The report as one self-contained HTML page, laid out like the paper's tables.

The estimand table comes first, then the statistical analysis plan, then the
results, each labelled primary, secondary, sensitivity, supportive or exploratory
(analysis.render.html_plan), then the paper's tables. An open report (one pooled
group) has no comparison column anywhere. Figures are embedded as PNG data URIs;
every text is escaped.
"""

from __future__ import annotations

from analysis.render import format as fmt
from analysis.render import html_plan
from analysis.render.figures import consort_png, figure2_png
from analysis.render.htmlkit import e, figure, label_of, table
from analysis.render.labels import OUTCOME_NAMES, WEEK_VALUES_NOTE, for_display, imputation_name
from analysis.render.tables import TABLE1_ROWS

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 62em;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
h3 { font-size: 1em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { padding: 0.25em 0.8em; text-align: right; border-bottom: 1px solid #ddd; }
th { border-bottom: 2px solid #444; vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; }
th, td { white-space: nowrap; }  /* "-2.67 (-2.86 to -2.49)" on one line; long heads are
                                  given on two lines, as journals print them */
td.indent { padding-left: 2em; }
td.indent.wrap { white-space: normal; max-width: 32em; font-size: 0.92em; }
tr.group td { font-weight: bold; border-bottom: none; }
table.text td, table.text th { white-space: normal; text-align: left; vertical-align: top;
       font-size: 0.92em; }
p.note { max-width: 50em; font-size: 0.92em; color: #444; }
section.plan p { max-width: 50em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; } dd { margin: 0; font-family: monospace; }
img { max-width: 100%; }
td.footnote { white-space: normal; text-align: left; font-size: 0.85em; color: #444;
       border-bottom: none; padding-top: 0.5em; }
"""

VIEW_NAMES = {
    "open": "open: all randomized participants pooled, nothing by group",
    "coded": "coded: groups named A and B",
    "unblinded": "unblinded: arms named",
}


def render_html(report: dict) -> bytes:
    report = for_display(report)
    arms = report["arms"]
    pooled = len(arms) == 1
    title = f"Intention-to-treat report: {report['trial']['title'] or report['trial']['code']}"
    body = [
        f"<h1>{e(title)}</h1>",
        _about(report),
        html_plan.estimands(report),
        html_plan.analysis_plan(report),
        *html_plan.results(report),
        _notes(report),
        _table1(report, arms),
        _table2(report, arms),
        _comparison_table(
            report["outcomes"]["participant"],
            arms,
            f"{label_of(report, 'outcomes.participant.frequency')}: each participant's mean "
            "over the intervention weeks"
            + ("" if pooled else ", Welch t-test (single mean imputation)"),
        ),
        "" if pooled else _ancova(report),
        "" if pooled else _gee(report, arms),
        _change(report, arms),
        html_plan.supportive(report),
        _weekly(report, arms),
        figure(
            figure2_png(report),
            "Figure 2. Observed weekly cramps, mean (SD). The SD bars are drawn in full: "
            "where one reaches below 0 it shows the spread of the weekly counts, not a "
            "negative count.",
        ),
        _adverse_events(report, arms),
        _consort(report, arms),
        figure(consort_png(report), "CONSORT 2010 flow diagram"),
        _imputed(report, arms),
        _completeness(report, arms),
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


def _week_values_note(outcomes) -> str:
    """The footnote of a table of mean duration or severity over every week."""
    return WEEK_VALUES_NOTE if {"duration", "severity"} & set(outcomes) else ""


def _heading(arm: dict) -> tuple[str, str]:
    return arm["label"], f"(n = {arm['n']})"


def _about(report: dict) -> str:
    trial = report["trial"]
    weeks = f"{trial['screening_weeks']} screening, {trial['intervention_weeks']} intervention"
    items = [
        ("Trial", trial["code"]),
        ("Report", VIEW_NAMES.get(report.get("view"), report.get("view"))),
        ("Missing intervention weeks", imputation_name(report)),
        ("Weeks", weeks),
        ("Schema", report["schema"]),
        ("Data SHA-256", report["data_sha256"]),
    ]
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items)
    return f"<dl>{rows}</dl>"


def _notes(report: dict) -> str:
    notes = report["notes"]
    keys = ("groups", "primary", "missing_data", "participant_week", "imputation", "baseline")
    return "<h2>About the analyses</h2>\n" + "\n".join(
        f'<p class="note">{e(notes[key])}</p>' for key in (*keys, "gee") if key in notes
    )


def _table1(report: dict, arms: list[dict]) -> str:
    table1 = report["table1"]
    pooled = len(arms) == 1
    with_p = report.get("table1_pvalues", False)
    total = report["consort"]["randomized"]
    shown = [] if pooled else arms
    head = ["Characteristic", ("Total", f"(n = {total})"), *(_heading(a) for a in shown)]
    head += ["P value"] if with_p else []
    columns = ["total", *(a["code"] for a in shown)]
    rows, classes = [], []
    for var, (name, digits) in TABLE1_ROWS.items():
        entry = table1[var]
        if var == "female":
            rows.append(["Sex, No. (%)"] + [""] * (len(head) - 1))
            classes.append("group")
        if "pct" in entry["total"]:
            label = name if var in ("female", "male") else f"{name}, No. (%)"
            cells = [fmt.n_pct(entry[c]) for c in columns]
        else:
            label = f"{name.split(',')[0]}, mean (SD){name[len(name.split(',')[0]) :]}"
            cells = [fmt.mean_sd(entry[c], digits) for c in columns]
        rows.append([label, *cells] + ([fmt.p_value(entry.get("p"))] if with_p else []))
        classes.append("indent" if var in ("female", "male") else "")
    return "<h2>Table 1. Baseline characteristics</h2>\n" + table(
        "Randomized participants", head, rows, classes
    )


def _common_n(outcomes: dict, arms: list[dict]) -> dict[str, int] | None:
    """{arm code: n} when each arm has the same n for every outcome, else None."""
    found = {a["code"]: {e[a["code"]]["n"] for e in outcomes.values()} for a in arms}
    if all(len(ns) == 1 for ns in found.values()):
        return {code: ns.pop() for code, ns in found.items()}
    return None


def _arm_columns(outcomes: dict, arms: list[dict]) -> tuple[list[tuple[str, str]], bool]:
    """Headings of the arms' mean (SD) columns, with n in the heading as the paper
    prints it when it is the same for every row; else each cell shows its n."""
    common = _common_n(outcomes, arms)
    if common is None:
        return [(a["label"], "mean (SD)") for a in arms], True
    return [(a["label"], f"(n = {common[a['code']]}), mean (SD)") for a in arms], False


def _comparison_table(outcomes: dict, arms: list[dict], caption: str) -> str:
    pooled = len(arms) == 1
    columns, n_per_cell = _arm_columns(outcomes, arms)
    head = ["Outcome", *columns] + ([] if pooled else ["Difference (95% CI)", "P value"])
    rows = []
    for outcome, entry in outcomes.items():
        groups = [entry[a["code"]] for a in arms]
        cells = [fmt.mean_sd(g) + (f" [n = {g['n']}]" if n_per_cell else "") for g in groups]
        if not pooled:
            cells += [fmt.difference_ci(entry), fmt.p_value(entry["p"])]
        rows.append([OUTCOME_NAMES[outcome], *cells])
    return table(caption, head, rows, footnote=_week_values_note(outcomes))


def _table2(report: dict, arms: list[dict]) -> str:
    pooled = len(arms) == 1
    caption = (
        f"{label_of(report, 'outcomes.participant_week.frequency')} (the published method). "
        + (
            "Every participant-week is one observation (n = participant-weeks)"
            if pooled
            else "As in the paper: every participant-week is one observation "
            "(n = participant-weeks), pooled-variance t-test"
        )
    )
    return "<h2>Table 2. Outcomes during the intervention</h2>\n" + _comparison_table(
        report["outcomes"]["participant_week"], arms, caption
    )


def _ancova(report: dict) -> str:
    rows = [
        [OUTCOME_NAMES[o], fmt.difference_ci(entry), fmt.p_value(entry["p"])]
        for o, entry in report["outcomes"]["ancova"].items()
    ]
    return table(
        f"{label_of(report, 'outcomes.ancova.frequency')}: adjusted for baseline (ANCOVA: "
        "participant mean on group and baseline value, single mean imputation)",
        ["Outcome", "Adjusted difference (95% CI)", "P value"],
        rows,
        footnote=_week_values_note(report["outcomes"]["ancova"]),
    )


def _gee(report: dict, arms: list[dict]) -> str:
    gee = report["gee"]
    head = [
        "Outcome",
        *((a["label"], "cramps per observed week") for a in arms),
        "Rate ratio (95% CI)",
        "P value",
    ]
    ratio = fmt.difference_ci(gee, key="rate_ratio")
    row = [
        OUTCOME_NAMES["frequency"],
        *(fmt.number(gee["rate"][a["code"]]) for a in arms),
        ratio,
        fmt.p_value(gee["p"]),
    ]
    caption = (
        f"{label_of(report, 'gee')}. Cramp rate ratio, {arms[0]['label']} over "
        f"{arms[1]['label']}: Poisson GEE adjusted for baseline, {gee['correlation']} "
        "working correlation, robust standard errors, observed weeks"
    )
    return "<h2>Repeated-measures model</h2>\n" + table(caption, head, [row])


def _change(report: dict, arms: list[dict]) -> str:
    pooled = len(arms) == 1
    change = report["change_from_baseline"]
    columns, n_per_cell = _arm_columns(change, arms)
    head = ["Outcome", *columns] + ([] if pooled else ["P value"])
    rows = [
        [
            OUTCOME_NAMES[o],
            *(
                fmt.mean_sd(entry[a["code"]])
                + (f" [n = {entry[a['code']]['n']}]" if n_per_cell else "")
                for a in arms
            ),
        ]
        + ([] if pooled else [fmt.p_value(entry["p"])])
        for o, entry in change.items()
    ]
    baseline = [
        [OUTCOME_NAMES[o], *(fmt.mean_sd(entry[a["code"]]) for a in arms)]
        for o, entry in report["baseline"].items()
    ]
    baseline_columns, _ = _arm_columns(report["baseline"], arms)
    return (
        "<h2>Baseline and change from baseline</h2>\n"
        + table(
            "Baseline (mean of the observed screening weeks)",
            ["Outcome", *baseline_columns],
            baseline,
            footnote=_week_values_note(report["baseline"]),
        )
        + "\n"
        + table(
            "Change from baseline (intervention mean minus baseline)",
            head,
            rows,
            footnote=_week_values_note(change),
        )
    )


def _weekly(report: dict, arms: list[dict]) -> str:
    pooled = len(arms) == 1
    label = label_of(report, "weekly.frequency")
    heading = (
        "eTable 1. Weekly values (after imputation)"
        if pooled
        else "eTable 1. Weekly comparisons (values after imputation)"
    )
    parts = [f"<h2>{heading}</h2>"]
    if not pooled:
        parts.append(
            f'<p class="note">{e(label)}: one test per week and outcome, not adjusted for '
            "multiplicity.</p>"
        )
    head = ["Week", *((a["label"], "mean (SD)") for a in arms)]
    head += [] if pooled else ["Difference (95% CI)", "P value"]
    for outcome, entries in report["weekly"].items():
        rows = [
            [str(entry["week"]), *(fmt.mean_sd(entry[a["code"]]) for a in arms)]
            + ([] if pooled else [fmt.difference_ci(entry), fmt.p_value(entry["p"])])
            for entry in entries
        ]
        parts.append(
            table(OUTCOME_NAMES[outcome], head, rows, footnote=_week_values_note([outcome]))
        )
    return "\n".join(parts)


def _adverse_events(report: dict, arms: list[dict]) -> str:
    events = report["adverse_events"]
    names = {
        "any": "Any adverse event",
        "serious": "Serious adverse event",
        "related": "Possibly, probably or definitely related",
    }
    rows = [[names[k], *(fmt.n_pct(events[k][a["code"]]) for a in arms)] for k in names]
    rows.append(["Events reported", *(str(events["events"][a["code"]]) for a in arms)])
    return "<h2>Adverse events</h2>\n" + table(
        "Participants with adverse events, No. (%)", ["", *(_heading(a) for a in arms)], rows
    )


def _consort(report: dict, arms: list[dict]) -> str:
    consort = report["consort"]
    shown = [] if len(arms) == 1 else arms
    blank = [""] * len(shown)
    rows = [
        ["Screened", str(consort["screened"]), *blank],
        ["Excluded", str(consort["excluded"]), *blank],
    ]
    classes = ["", ""]
    reasons = consort.get("excluded_reasons", {})
    for key, name in (
        ("not_meeting_inclusion", "Not meeting inclusion criteria"),
        ("meeting_exclusion", "Meeting exclusion criteria"),
        ("declined", "Declined"),
    ):
        rows.append([name, str(consort[key]), *blank])
        classes.append("")
        for reason, count in sorted(reasons.get(key, {}).items(), key=lambda r: (-r[1], r[0])):
            rows.append([reason or "no reason given", str(count), *blank])
            classes.append("indent wrap")
    rows.append(["Randomized", str(consort["randomized"]), *blank])
    classes.append("")
    derived = {}
    if "received" in consort:
        derived["not_received"] = {
            g: n - consort["received"][g] for g, n in consort["allocated"].items()
        }
    for key, name, reasons_key in CONSORT_GROUP_ROWS:
        counts = consort.get(key, derived.get(key))
        if counts is None:
            continue
        rows.append([name, str(sum(counts.values())), *(str(counts[a["code"]]) for a in shown)])
        classes.append("")
        by_group = consort.get(reasons_key, {}) if reasons_key else {}
        totals: dict[str, int] = {}
        for group_reasons in by_group.values():
            for reason, count in group_reasons.items():
                totals[reason] = totals.get(reason, 0) + count
        for reason, count in sorted(totals.items(), key=lambda r: (-r[1], r[0])):
            cells = [str(by_group.get(a["code"], {}).get(reason, 0)) for a in shown]
            rows.append([reason, str(count), *cells])
            classes.append("indent wrap")
    return "<h2>CONSORT flow</h2>\n" + table(
        "Participant flow", ["", "Total", *(a["label"] for a in shown)], rows, classes
    )


CONSORT_GROUP_ROWS = (
    ("allocated", "Allocated", None),
    ("received", "Received the allocated intervention", None),
    ("not_received", "Did not receive the allocated intervention", "not_received_reasons"),
    ("completed", "Completed the intervention", None),
    ("discontinued", "Discontinued the intervention", "discontinued_reasons"),
    ("stopped_treatment", "Stopped the product, still followed", "stopped_treatment_reasons"),
    ("lost_to_follow_up", "Lost to follow-up (no observed intervention week)", None),
    ("analysed", "Analysed", None),
)


def _imputed(report: dict, arms: list[dict]) -> str:
    rows = [[a["label"], str(report["imputed"][a["code"]])] for a in arms]
    return table(
        f"Participant-weeks filled in by imputation ({imputation_name(report)})",
        ["Group", "Imputed participant-weeks"],
        rows,
    )


def _completeness(report: dict, arms: list[dict]) -> str:
    completeness = report.get("completeness")
    if not completeness:
        return ""
    head = ["Week", *((a["label"], "observed, No. (%)") for a in arms)]
    rows = [
        [
            str(entry["week"]),
            *(
                fmt.n_pct({"n": entry[a["code"]]["observed"], "pct": entry[a["code"]]["pct"]})
                for a in arms
            ),
        ]
        for entry in completeness["by_week"]
    ]
    rows.append(
        [
            "All weeks",
            *(
                fmt.n_pct(
                    {
                        "n": completeness[a["code"]]["observed"],
                        "pct": completeness[a["code"]]["pct"],
                    }
                )
                for a in arms
            ),
        ]
    )
    return "<h2>Data completeness</h2>\n" + table(
        "Observed intervention weeks (reached calls) of the randomized participants", head, rows
    )
