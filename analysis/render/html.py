"""The report as one self-contained HTML page, laid out like the paper's tables.

Figures are embedded as PNG data URIs; every text is escaped.
"""

from __future__ import annotations

import base64
import html

from analysis.render import format as fmt
from analysis.render.figures import consort_png, figure2_png
from analysis.render.tables import OUTCOME_NAMES, TABLE1_ROWS

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 62em;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
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
p.note { max-width: 50em; font-size: 0.92em; color: #444; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; } dd { margin: 0; font-family: monospace; }
img { max-width: 100%; }
"""


def render_html(report: dict) -> bytes:
    arms = report["arms"]
    title = f"Intention-to-treat report: {report['trial']['title'] or report['trial']['code']}"
    body = [
        f"<h1>{_e(title)}</h1>",
        _about(report),
        _notes(report),
        _table1(report, arms),
        _table2(report, arms),
        _comparison_table(
            report["outcomes"]["participant"],
            arms,
            "Participant-level analysis: each participant's mean over the intervention weeks, "
            "Welch t-test",
        ),
        _ancova(report),
        _gee(report, arms),
        _change(report, arms),
        _weekly(report, arms),
        _figure(figure2_png(report), "Figure 2. Observed weekly cramps, mean (SD)"),
        _adverse_events(report, arms),
        _consort(report, arms),
        _figure(consort_png(report), "CONSORT flow diagram"),
        _imputed(report, arms),
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(
    caption: str, head: list[str | tuple[str, ...]], rows: list[list[str]], classes=None
) -> str:
    classes = classes or [""] * len(rows)
    out = [f"<table>\n<caption>{_e(caption)}</caption>\n<thead><tr>"]
    out += [f"<th>{_head_cell(h)}</th>" for h in head]
    out.append("</tr></thead>\n<tbody>\n")
    for row, css in zip(rows, classes, strict=True):
        attr = f' class="{css}"' if css == "group" else ""
        cells = []
        for index, cell in enumerate(row):
            td_class = f' class="{css}"' if index == 0 and css.startswith("indent") else ""
            cells.append(f"<td{td_class}>{_e(cell)}</td>")
        out.append(f"<tr{attr}>{''.join(cells)}</tr>\n")
    out.append("</tbody>\n</table>")
    return "".join(out)


def _head_cell(heading: str | tuple[str, ...]) -> str:
    """A column heading; a tuple is printed one item per line."""
    lines = heading if isinstance(heading, tuple) else (heading,)
    return "<br>".join(_e(line) for line in lines)


def _heading(arm: dict) -> tuple[str, str]:
    return arm["label"], f"(n = {arm['n']})"


def _about(report: dict) -> str:
    trial = report["trial"]
    weeks = f"{trial['screening_weeks']} screening, {trial['intervention_weeks']} intervention"
    items = [
        ("Trial", trial["code"]),
        ("Report", "blinded (groups A and B)" if report["blinded"] else "unblinded"),
        ("Imputation", report["imputation"]),
        ("Weeks", weeks),
        ("Schema", report["schema"]),
        ("Data SHA-256", report["data_sha256"]),
    ]
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f"<dl>{rows}</dl>"


def _notes(report: dict) -> str:
    notes = report["notes"]
    return "<h2>About the analyses</h2>\n" + "\n".join(
        f'<p class="note">{_e(notes[key])}</p>'
        for key in ("groups", "participant_week", "imputation", "baseline", "gee")
        if key in notes
    )


def _table1(report: dict, arms: list[dict]) -> str:
    table1 = report["table1"]
    with_p = report.get("table1_pvalues", False)
    total = report["consort"]["randomized"]
    head = ["Characteristic", ("Total", f"(n = {total})"), *(_heading(a) for a in arms)]
    head += ["P value"] if with_p else []
    columns = ["total", *(a["code"] for a in arms)]
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
    return "<h2>Table 1. Baseline characteristics</h2>\n" + _table(
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
    columns, n_per_cell = _arm_columns(outcomes, arms)
    head = ["Outcome", *columns, "Difference (95% CI)", "P value"]
    rows = []
    for outcome, entry in outcomes.items():
        groups = [entry[a["code"]] for a in arms]
        rows.append(
            [
                OUTCOME_NAMES[outcome],
                *(fmt.mean_sd(g) + (f" [n = {g['n']}]" if n_per_cell else "") for g in groups),
                fmt.difference_ci(entry),
                fmt.p_value(entry["p"]),
            ]
        )
    return _table(caption, head, rows)


def _table2(report: dict, arms: list[dict]) -> str:
    return "<h2>Table 2. Outcomes during the intervention</h2>\n" + _comparison_table(
        report["outcomes"]["participant_week"],
        arms,
        "As in the paper: every participant-week is one observation (n = participant-weeks), "
        "pooled-variance t-test",
    )


def _ancova(report: dict) -> str:
    rows = [
        [OUTCOME_NAMES[o], fmt.difference_ci(e), fmt.p_value(e["p"])]
        for o, e in report["outcomes"]["ancova"].items()
    ]
    return _table(
        "Adjusted for baseline (ANCOVA: participant mean on group and baseline value)",
        ["Outcome", "Adjusted difference (95% CI)", "P value"],
        rows,
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
        f"Cramp rate ratio, {arms[0]['label']} over {arms[1]['label']}: Poisson GEE, "
        f"{gee['correlation']} working correlation, robust standard errors, observed weeks"
    )
    return "<h2>Repeated-measures model</h2>\n" + _table(caption, head, [row])


def _change(report: dict, arms: list[dict]) -> str:
    change = report["change_from_baseline"]
    columns, n_per_cell = _arm_columns(change, arms)
    head = ["Outcome", *columns, "P value"]
    rows = [
        [
            OUTCOME_NAMES[o],
            *(
                fmt.mean_sd(e[a["code"]]) + (f" [n = {e[a['code']]['n']}]" if n_per_cell else "")
                for a in arms
            ),
            fmt.p_value(e["p"]),
        ]
        for o, e in change.items()
    ]
    baseline = [
        [OUTCOME_NAMES[o], *(fmt.mean_sd(e[a["code"]]) for a in arms)]
        for o, e in report["baseline"].items()
    ]
    baseline_columns, _ = _arm_columns(report["baseline"], arms)
    return (
        "<h2>Baseline and change from baseline</h2>\n"
        + _table(
            "Baseline (mean of the observed screening weeks)",
            ["Outcome", *baseline_columns],
            baseline,
        )
        + "\n"
        + _table("Change from baseline (intervention mean minus baseline)", head, rows)
    )


def _weekly(report: dict, arms: list[dict]) -> str:
    parts = ["<h2>eTable 1. Weekly comparisons (values after imputation)</h2>"]
    head = ["Week", *((a["label"], "mean (SD)") for a in arms), "Difference (95% CI)", "P value"]
    for outcome, entries in report["weekly"].items():
        rows = [
            [
                str(e["week"]),
                *(fmt.mean_sd(e[a["code"]]) for a in arms),
                fmt.difference_ci(e),
                fmt.p_value(e["p"]),
            ]
            for e in entries
        ]
        parts.append(_table(OUTCOME_NAMES[outcome], head, rows))
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
    return "<h2>Adverse events</h2>\n" + _table(
        "Participants with adverse events, No. (%)", ["", *(_heading(a) for a in arms)], rows
    )


def _consort(report: dict, arms: list[dict]) -> str:
    consort = report["consort"]
    rows = [
        ["Screened", str(consort["screened"]), "", ""],
        ["Excluded", str(consort["excluded"]), "", ""],
    ]
    classes = ["", ""]
    reasons = consort.get("excluded_reasons", {})
    for key, name in (
        ("not_meeting_inclusion", "Not meeting inclusion criteria"),
        ("meeting_exclusion", "Meeting exclusion criteria"),
        ("declined", "Declined"),
    ):
        rows.append([name, str(consort[key]), "", ""])
        classes.append("")
        for reason, count in sorted(reasons.get(key, {}).items(), key=lambda r: (-r[1], r[0])):
            rows.append([reason or "no reason given", str(count), "", ""])
            classes.append("indent wrap")
    rows.append(["Randomized", str(consort["randomized"]), "", ""])
    classes.append("")
    for key, name in (
        ("allocated", "Allocated"),
        ("completed", "Completed the intervention"),
        ("discontinued", "Discontinued"),
        ("analysed", "Analysed"),
    ):
        counts = consort[key]
        rows.append([name, str(sum(counts.values())), *(str(counts[a["code"]]) for a in arms)])
        classes.append("")
    return "<h2>CONSORT flow</h2>\n" + _table(
        "Participant flow", ["", "Total", *(a["label"] for a in arms)], rows, classes
    )


def _imputed(report: dict, arms: list[dict]) -> str:
    rows = [[a["label"], str(report["imputed"][a["code"]])] for a in arms]
    return _table(
        f"Participant-weeks filled in by imputation ({report['imputation']})",
        ["Group", "Imputed participant-weeks"],
        rows,
    )


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )
