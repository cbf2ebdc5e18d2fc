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
td.indent { padding-left: 2em; }
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


def _table(caption: str, head: list[str], rows: list[list[str]], classes=None) -> str:
    classes = classes or [""] * len(rows)
    out = [f"<table>\n<caption>{_e(caption)}</caption>\n<thead><tr>"]
    out += [f"<th>{_e(h)}</th>" for h in head]
    out.append("</tr></thead>\n<tbody>\n")
    for row, css in zip(rows, classes, strict=True):
        attr = f' class="{css}"' if css == "group" else ""
        cells = []
        for index, cell in enumerate(row):
            td_class = ' class="indent"' if index == 0 and css == "indent" else ""
            cells.append(f"<td{td_class}>{_e(cell)}</td>")
        out.append(f"<tr{attr}>{''.join(cells)}</tr>\n")
    out.append("</tbody>\n</table>")
    return "".join(out)


def _heading(arm: dict) -> str:
    return f"{arm['label']} (n = {arm['n']})"


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
    head = ["Characteristic", f"Total (n = {total})", *(_heading(a) for a in arms)]
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


def _comparison_table(outcomes: dict, arms: list[dict], caption: str) -> str:
    head = [
        "Outcome",
        *(f"{a['label']}, mean (SD)" for a in arms),
        "Difference (95% CI)",
        "P value",
    ]
    rows = []
    for outcome, entry in outcomes.items():
        groups = [entry[a["code"]] for a in arms]
        rows.append(
            [
                OUTCOME_NAMES[outcome],
                *(f"{fmt.mean_sd(g)} [n = {g['n']}]" for g in groups),
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
        *(f"{a['label']}: cramps per observed week" for a in arms),
        "Rate ratio (95% CI)",
        "P value",
    ]
    ratio = fmt.difference_ci(gee, key="rate_ratio")
    row = [*(fmt.number(gee["rate"][a["code"]]) for a in arms), ratio, fmt.p_value(gee["p"])]
    caption = (
        f"Cramp rate ratio, {arms[0]['label']} over {arms[1]['label']}: Poisson GEE, "
        f"{gee['correlation']} working correlation, robust standard errors, observed weeks"
    )
    return "<h2>Repeated-measures model</h2>\n" + _table(caption, head, [row])


def _change(report: dict, arms: list[dict]) -> str:
    head = ["Outcome", *(f"{a['label']}, mean (SD)" for a in arms), "P value"]
    rows = [
        [
            OUTCOME_NAMES[o],
            *(f"{fmt.mean_sd(e[a['code']])} [n = {e[a['code']]['n']}]" for a in arms),
            fmt.p_value(e["p"]),
        ]
        for o, e in report["change_from_baseline"].items()
    ]
    baseline = [
        [OUTCOME_NAMES[o], *(fmt.mean_sd(e[a["code"]]) for a in arms)]
        for o, e in report["baseline"].items()
    ]
    return (
        "<h2>Baseline and change from baseline</h2>\n"
        + _table(
            "Baseline (mean of the observed screening weeks)",
            ["Outcome", *(f"{a['label']}, mean (SD)" for a in arms)],
            baseline,
        )
        + "\n"
        + _table("Change from baseline (intervention mean minus baseline)", head, rows)
    )


def _weekly(report: dict, arms: list[dict]) -> str:
    parts = ["<h2>eTable 1. Weekly comparisons (values after imputation)</h2>"]
    head = ["Week", *(f"{a['label']}, mean (SD)" for a in arms), "Difference (95% CI)", "P value"]
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
        ["Not meeting inclusion criteria", str(consort["not_meeting_inclusion"]), "", ""],
        ["Meeting exclusion criteria", str(consort["meeting_exclusion"]), "", ""],
        ["Declined", str(consort["declined"]), "", ""],
        ["Randomized", str(consort["randomized"]), "", ""],
    ]
    for key, name in (
        ("allocated", "Allocated"),
        ("completed", "Completed the intervention"),
        ("discontinued", "Discontinued"),
        ("analysed", "Analysed"),
    ):
        counts = consort[key]
        rows.append([name, str(sum(counts.values())), *(str(counts[a["code"]]) for a in arms)])
    return "<h2>CONSORT flow</h2>\n" + _table(
        "Participant flow", ["", "Total", *(a["label"] for a in arms)], rows
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
