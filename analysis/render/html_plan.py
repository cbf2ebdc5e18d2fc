"""The HTML report's estimand table, statistical analysis plan (CONSORT item 21) and the
results of the plan's analyses, each labelled as the plan declares it."""

from __future__ import annotations

from analysis.render import format as fmt
from analysis.render.figures import tipping_png
from analysis.render.htmlkit import LABELS, e, figure, label_of, lookup, table
from analysis.render.labels import WEEK_VALUES_NOTE, imputation_name
from analysis.render.tables import OUTCOME_NAMES

# What each result of the report is, in the plan's words (CONSORT item 21).
METHODS = {
    "models.negative_binomial": (
        "negative binomial (NB2) regression of each participant's cramps over their observed "
        "intervention weeks, with the logarithm of the number of those weeks as offset, "
        "adjusted for the baseline weekly cramps (and the stratification factors of a "
        "stratified randomization list); rate ratio with Wald 95% CI, and the standardized "
        "(g-computation) difference in mean cramps per week with a delta-method CI"
    ),
    "missing_data.multiple_imputation": (
        "ANCOVA of the participant mean over the intervention weeks on group and baseline, "
        "missing weeks multiply imputed under missing at random within each group from the "
        "baseline and the observed weeks (multivariate normal model, parameters drawn by "
        "bootstrap and EM), pooled by Rubin's rules with Barnard-Rubin degrees of freedom"
    ),
    "missing_data.jump_to_reference": (
        "the same ANCOVA with the experimental arm's missing weeks imputed from the comparator "
        "arm's distribution (jump to reference, Carpenter, Roger and Kenward 2013)"
    ),
    "missing_data.tipping_point": (
        "the multiply imputed ANCOVA with a fixed number of cramps per week added to every "
        "imputed experimental-arm week, over a declared grid, up to the smallest addition at "
        "which the difference is no longer significant (delta-adjusted tipping point)"
    ),
    "per_protocol": (
        "the primary negative binomial model in the participants who took at least the "
        "declared share of their capsules"
    ),
    "gee": (
        "Poisson generalized estimating equations on the observed weekly counts, adjusted "
        "for baseline, robust standard errors"
    ),
    "outcomes.participant_week": (
        "the published method: pooled-variance t-test treating every participant-week after "
        "single mean imputation as an independent observation"
    ),
    "outcomes.participant": "Welch t-test of participant means after single mean imputation",
    "outcomes.ancova": "ANCOVA of participant means on group and baseline, single mean imputation",
    "change_from_baseline": "pooled-variance t-test of the change from baseline",
    "supportive.weeks_with_cramps": (
        "Welch t-test of participant means over the observed weeks with at least one cramp"
    ),
    "supportive.adherence": "Welch t-test of capsules missed per observed week",
}


def _method(key: str) -> str:
    for prefix, text in METHODS.items():
        if key == prefix or key.startswith(prefix + "."):
            return text
    return key


def _pooled(report: dict) -> bool:
    return len(report["arms"]) == 1


def estimands(report: dict) -> str:
    rows = []
    for estimand in report.get("estimands", []):
        events = "; ".join(
            f"{event['event']}: {event['strategy']}" for event in estimand["intercurrent_events"]
        )
        rows.append(
            [
                LABELS[estimand["analysis"]],
                OUTCOME_NAMES[estimand["outcome"]],
                estimand["title"],
                estimand["population"],
                estimand["variable"],
                events,
                estimand["summary_measure"],
            ]
        )
    head = [
        "Analysis",
        "Outcome",
        "Estimand",
        "Population",
        "Variable",
        "Intercurrent events: strategy",
        "Population-level summary",
    ]
    return "<h2>Estimands</h2>\n" + table(
        "What each analysis estimates (ICH E9(R1)), as the statistical analysis plan declares",
        head,
        rows,
    ).replace("<table>", '<table class="text">', 1)


def analysis_plan(report: dict) -> str:
    plan = report.get("plan", {})
    declared = report.get("estimands", [])
    by_role: dict[str, list[dict]] = {}
    for estimand in declared:
        by_role.setdefault(estimand["analysis"], []).append(estimand)
    paragraphs = []
    if _pooled(report):
        paragraphs.append(
            "This is an open report: it shows the pooled data of every randomized participant "
            "and no comparison between groups. The comparisons below are made in the coded "
            "report after the database lock, and in the unblinded report."
        )
    for role in ("primary", "secondary", "sensitivity", "supportive"):
        for estimand in by_role.get(role, []):
            paragraphs.append(
                f"{LABELS[role]} ({OUTCOME_NAMES[estimand['outcome']].lower()}): "
                f"{_method(estimand['method'])}."
            )
    multiplicity = plan.get("multiplicity", {})
    secondary = ", ".join(OUTCOME_NAMES[o].lower() for o in multiplicity.get("secondary", []))
    procedure = {
        "holm": "Holm's step-down procedure",
        "hierarchical": "a fixed sequence, in the order listed",
    }.get(multiplicity.get("method"), multiplicity.get("method"))
    paragraphs += [
        f"Multiplicity: the primary analysis is tested first, two-sided at alpha = "
        f"{plan.get('alpha')}; the secondary outcomes ({secondary}) only after it, by "
        f"{procedure}; adjusted p-values are shown. The weekly comparisons are exploratory "
        "and not adjusted.",
        f"Missing data: multiple imputation with m = {plan.get('imputations')} imputations "
        f"(random seed {plan.get('seed')}, recorded so the numbers can be reproduced). The "
        f"tipping-point grid is {_grid(plan.get('tipping_point_deltas', []))} cramps per "
        "week. The single mean imputation of the published analysis (filling a missing week "
        f"with the mean of its group in that week) is kept and labelled as such; the report "
        f"was requested with: {imputation_name(report).lower()}.",
        f"Adherence: capsules missed per observed week; a participant is adherent (per "
        f"protocol) when they took at least {100 * float(plan.get('adherence_threshold', 0)):.0f}"
        f"% of {plan.get('capsules_per_week')} capsules a week over their observed weeks.",
        "Intercurrent events: a participant who stops the study product is still followed, "
        "and their later weeks are analysed as observed (treatment policy); weeks after a "
        "withdrawal from follow-up are missing data, handled as each analysis states.",
        "Software: Python with numpy, scipy and statsmodels (this application).",
    ]
    body = "\n".join(f"<p>{e(text)}</p>" for text in paragraphs)
    return f'<section class="plan">\n<h2>Statistical analysis plan</h2>\n{body}\n</section>'


def _grid(deltas: list[float]) -> str:
    if len(deltas) > 3:
        step = deltas[1] - deltas[0]
        if all(abs((b - a) - step) < 1e-9 for a, b in zip(deltas, deltas[1:], strict=False)):
            return f"{fmt.number(deltas[0], 1)} to {fmt.number(deltas[-1], 1)} in steps of " + (
                fmt.number(step, 1)
            )
    return ", ".join(fmt.number(d, 1) for d in deltas)


def results(report: dict) -> list[str]:
    if _pooled(report) or "models" not in report:
        return []
    return [_primary(report), _secondary(report), _multiplicity(report), _sensitivity(report)]


def _rate_row(report: dict, name: str, entry: dict) -> list[str]:
    arms = report["arms"]
    return [
        name,
        *(str(entry["n"][a["code"]]) for a in arms),
        *(fmt.number(entry["rate"][a["code"]]) for a in arms),
        fmt.difference_ci(entry, key="rate_ratio"),
        fmt.p_value(entry["p"]),
        fmt.difference_ci(
            {"marginal": entry["marginal_difference"], "ci95": entry["marginal_ci95"]},
            key="marginal",
        ),
        fmt.number(entry["alpha"], 3),
    ]


def _rate_head(report: dict) -> list:
    arms = report["arms"]
    return [
        "Outcome",
        *((a["label"], "n") for a in arms),
        *((a["label"], "cramps per observed week") for a in arms),
        ("Rate ratio", "(95% CI)"),
        "P value",
        ("Difference in mean cramps", "per week (95% CI)"),
        ("Dispersion", "(NB2 alpha)"),
    ]


def _primary(report: dict) -> str:
    entry = report["models"]["negative_binomial"]["frequency"]
    arms = report["arms"]
    caption = (
        f"{label_of(report, 'models.negative_binomial.frequency')}. Cramps per week, "
        f"{arms[0]['label']} over {arms[1]['label']}: negative binomial regression with "
        "offset log(observed weeks), adjusted for baseline weekly cramps"
        + (
            f" and {', '.join(c for c in entry['covariates'][3:])}"
            if len(entry["covariates"]) > 3
            else ""
        )
    )
    rows = [_rate_row(report, OUTCOME_NAMES["frequency"], entry)]
    return "<h2>Primary analysis</h2>\n" + table(caption, _rate_head(report), rows)


def _difference_rows(report: dict, keys: list[str], *, adjusted: dict | None = None) -> list:
    rows = []
    for key in keys:
        entry = lookup(report, key) or {}
        outcome = key.rsplit(".", 1)[-1]
        name = _short(key)
        if "reverse" in entry:  # both directions shown: say which this one is
            name += (
                f" (group {entry['imputed_group']} imputed from group {entry['reference_group']})"
            )
        row = [
            OUTCOME_NAMES.get(outcome, outcome),
            name,
            fmt.difference_ci(entry) if "ci95" in entry else "\u2014",
            fmt.p_value(entry.get("p")),
            fmt.number(entry.get("fraction_missing_information"), 3),
        ]
        if adjusted is not None:
            row.append(fmt.p_value(adjusted.get(outcome)))
        rows.append(row)
    return rows


SHORT = {
    "missing_data.multiple_imputation": "ANCOVA, multiple imputation (MAR)",
    "missing_data.jump_to_reference": "ANCOVA, jump to reference",
    "outcomes.ancova": "ANCOVA, single mean imputation",
    "outcomes.participant": "Participant means, Welch t",
    "outcomes.participant_week": "Participant-weeks, pooled t (published method)",
    "supportive.weeks_with_cramps": "Weeks with a cramp, Welch t",
}


def _short(key: str) -> str:
    return next((t for p, t in SHORT.items() if key.startswith(p + ".")), key)


def _keys(report: dict, role: str, *, exclude=()) -> list[str]:
    return [
        e["method"]
        for e in report.get("estimands", [])
        if e["analysis"] == role and not e["method"].startswith(exclude)
    ]


def _secondary(report: dict) -> str:
    adjusted = {
        entry["outcome"]: entry["p_adjusted"]
        for entry in report.get("multiplicity", {}).get("secondary", [])
    }
    keys = _keys(report, "secondary")
    head = [
        "Outcome",
        "Analysis",
        "Difference (95% CI)",
        "P value",
        ("Fraction of missing", "information"),
        ("Adjusted", "P value"),
    ]
    rows = _difference_rows(report, keys, adjusted=adjusted)
    return "<h2>Secondary analyses</h2>\n" + table(
        f"{LABELS['secondary']}: secondary outcomes, {report['difference']}",
        head,
        rows,
        footnote=WEEK_VALUES_NOTE,
    )


def _multiplicity(report: dict) -> str:
    plan = report.get("multiplicity")
    if not plan:
        return ""
    rows = [
        [
            OUTCOME_NAMES[entry["outcome"]],
            _short(entry["analysis"]) if entry is not plan["primary"] else "Primary analysis",
            fmt.p_value(entry["p"]),
            fmt.p_value(entry["p_adjusted"]),
            {True: "yes", False: "no", None: "\u2014"}[entry["significant"]],
        ]
        for entry in [plan["primary"], *plan["secondary"]]
    ]
    method = {"holm": "Holm", "hierarchical": "fixed sequence"}[plan["method"]]
    return "<h2>Multiplicity</h2>\n" + table(
        f"Primary first, then the secondary outcomes by {method} (alpha = {plan['alpha']}); "
        f"{plan['exploratory']}",
        ["Outcome", "Analysis", "P value", "Adjusted P value", "Significant"],
        rows,
    )


def _sensitivity(report: dict) -> str:
    parts = ["<h2>Sensitivity analyses</h2>"]
    keys = [
        k
        for k in _keys(report, "sensitivity")
        if k.startswith(("missing_data.multiple_imputation", "missing_data.jump_to_reference"))
    ]
    rows = _difference_rows(report, keys)
    j2r = lookup(report, "missing_data.jump_to_reference.frequency") or {}
    if "reverse" in j2r and "missing_data.jump_to_reference.frequency" in keys:
        reverse = j2r["reverse"]
        rows.append(
            [
                OUTCOME_NAMES["frequency"],
                f"ANCOVA, jump to reference (group {reverse['imputed_group']} imputed from "
                f"group {reverse['reference_group']})",
                fmt.difference_ci(reverse),
                fmt.p_value(reverse["p"]),
                fmt.number(reverse.get("fraction_missing_information"), 3),
            ]
        )
    if rows:
        parts.append(
            table(
                f"{LABELS['sensitivity']}: missing weeks imputed many times, "
                f"{report['difference']}",
                [
                    "Outcome",
                    "Analysis",
                    "Difference (95% CI)",
                    "P value",
                    ("Fraction of missing", "information"),
                ],
                rows,
            )
        )
    per_protocol = report.get("per_protocol", {})
    if "per_protocol.frequency" in _keys(report, "sensitivity") and per_protocol:
        parts.append(
            table(
                f"{label_of(report, 'per_protocol.frequency')}: per protocol, participants who "
                f"took at least {100 * per_protocol['threshold']:.0f}% of their capsules",
                _rate_head(report),
                [_rate_row(report, OUTCOME_NAMES["frequency"], per_protocol["frequency"])],
            )
        )
    tipping = lookup(report, "missing_data.tipping_point.frequency")
    if tipping:
        parts.append(_tipping(report, tipping))
    return "\n".join(parts)


def _tipping(report: dict, tipping: dict) -> str:
    parts = []
    for entry in (tipping, tipping.get("reverse")):
        if not entry:
            continue
        rows = [
            [
                fmt.number(delta, 1),
                fmt.difference_ci({"difference": d, "ci95": ci}),
                fmt.p_value(p),
            ]
            for delta, d, ci, p in zip(
                entry["deltas"], entry["difference"], entry["ci95"], entry["p"], strict=True
            )
        ]
        tip = entry["tipping_delta"]
        found = (
            f"the difference is no longer significant (p >= {entry['alpha']}) from "
            f"{fmt.number(tip, 1)} added cramps per week"
            if tip is not None
            else "the difference stays significant over the whole grid"
        )
        parts.append(
            table(
                f"{label_of(report, 'missing_data.tipping_point.frequency')}: tipping point, "
                f"cramps per week added to every imputed week of {_group(report, entry)}; "
                f"{found}",
                ["Added cramps per week", "Difference (95% CI)", "P value"],
                rows,
            )
        )
    png = tipping_png(report)
    if png:
        parts.append(figure(png, "Tipping-point analysis: difference (95% CI) by added cramps"))
    return "\n".join(parts)


def _group(report: dict, entry: dict) -> str:
    label = {a["code"]: a["label"] for a in report["arms"]}
    return label.get(entry.get("shifted_group"), str(entry.get("shifted_group")))


def supportive(report: dict) -> str:
    data = report.get("supportive")
    if not data:
        return ""
    arms = report["arms"]
    pooled = _pooled(report)
    parts = ["<h2>Cramp duration and severity when there was a cramp; adherence</h2>"]
    head = ["Outcome", *((a["label"], "mean (SD) [n]") for a in arms)]
    head += [] if pooled else ["Difference (95% CI)", "P value"]
    rows = []
    for outcome, entry in data["weeks_with_cramps"].items():
        row = [
            OUTCOME_NAMES[outcome],
            *(f"{fmt.mean_sd(entry[a['code']])} [{entry[a['code']]['n']}]" for a in arms),
        ]
        if not pooled:
            row += [fmt.difference_ci(entry), fmt.p_value(entry["p"])]
        rows.append(row)
    parts.append(
        table(
            f"{label_of(report, 'supportive.weeks_with_cramps.severity')}: participant means "
            "over the observed weeks with at least one cramp",
            head,
            rows,
        )
    )
    adherence = data["adherence"]
    missed = adherence["missed_per_week"]
    row = [
        "Capsules missed per week",
        *(f"{fmt.mean_sd(missed[a['code']])} [{missed[a['code']]['n']}]" for a in arms),
    ]
    if not pooled:
        row += [fmt.difference_ci(missed), fmt.p_value(missed["p"])]
    adherent = [
        f"Adherent (took at least {100 * adherence['threshold']:.0f}% of capsules), No. (%)",
        *(fmt.n_pct(adherence["adherent"][a["code"]]) for a in arms),
    ]
    adherent += [] if pooled else ["", ""]
    parts.append(
        table(
            f"{label_of(report, 'supportive.adherence')}: adherence over the observed "
            "intervention weeks",
            ["", *((a["label"], "mean (SD) [n]") for a in arms)]
            + ([] if pooled else ["Difference (95% CI)", "P value"]),
            [row, adherent],
        )
    )
    return "\n".join(parts)
