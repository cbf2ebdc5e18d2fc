"""End to end: the reference trial entered through the app's services, read back by
the analysis loader, reproduces every figure the paper publishes in the app's own
unblinded ITT report (arm-week mean imputation), one test per figure, after
rounding as the paper rounds (Table 1 continuous 1 decimal, creatinine 2,
percentages 1, everything else 2; "<.001" means p < 0.001).

The report is built from the stored rows (`reference_run` in conftest.py); the
paper's figures are read here only, from the published file.
"""

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import diary.simulation
from tests.analysis.svg import svg_texts

PUBLISHED = json.loads(
    (Path(diary.simulation.__file__).parent / "reference" / "vitk2_nlc_2024.json").read_text()
)
pytestmark = pytest.mark.django_db  # the test database, where reference_run enters the trial

EXPERIMENTAL, COMPARATOR = "vitamin_k2", "placebo"

# Which protocol criterion each of the paper's exclusion reasons is entered under
# (diary/presets.py: one criterion per reason, as the CONSORT diagram counts them).
EXCLUSION_CRITERION = {
    "cramps due to Parkinson disease, hypothyroidism, liver cirrhosis or lumbar spinal stenosis": (
        "secondary_cause"
    ),
    "vitamin K antagonist or vitamin K2 within 2 months": "recent_vitamin_k",
}

# Leaves of the published file that are not figures of the trial's data: the
# protocol's constants and text, which no report computes.
NOT_DATA = (
    "source",
    "note",
    "design.stratification",
    "design.dose",
    "design.eligibility.",
    "design.severity_scale.",
    "design.sample_size.",
    "creatinine_si_factor_umol_per_l",
    "baseline.derived_note",
    "table2_participant_week.note",
    "reported_elsewhere_in_text.figure2",
)


def leaves(tree, path=()):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, (*path, key))
        elif isinstance(value, list) and all(isinstance(v, int | float) for v in value):
            for i, v in enumerate(value):
                yield (*path, key, i), v
        else:
            yield (*path, key), value


def dotted(path) -> str:
    return ".".join(str(p) for p in path)


def is_data(path) -> bool:
    name = dotted(path)
    return not any(name == n or name.startswith(n) for n in NOT_DATA)


def derived_baselines() -> dict:
    """Baseline severity and duration the paper implies (its note: intervention mean
    minus change), as extra figures."""
    note = PUBLISHED["baseline"]["derived_note"]
    figures = {}
    for outcome in ("severity", "duration"):
        found = re.search(rf"{outcome} ([\d.]+) / ([\d.]+)", note)
        figures[("derived", "baseline", outcome, EXPERIMENTAL, "mean")] = float(found[1])
        figures[("derived", "baseline", outcome, COMPARATOR, "mean")] = float(found[2])
    return figures


FIGURES = {path: value for path, value in leaves(PUBLISHED) if is_data(path)} | derived_baselines()


def decimals(path) -> int:
    top, *rest = path
    if top == "table1":
        if rest[-1] == "n":
            return 0
        if rest[-1] == "pct":
            return 1
        return 2 if rest[0] == "creatinine_mg_dl" else 1
    if top == "consort":
        return 1 if rest[0] == "completed_pct" else 0
    if top in ("table2_participant_week", "change_from_baseline", "baseline", "derived"):
        return 2
    return 0


def paper_round(value: float, places: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def ours(run, path):
    """The report's value for a published figure."""
    report = run.report
    top, *rest = path
    if top == "design":
        if rest[0] == "sites":
            return run.dataset_sites
        if rest[0] == "allocation_ratio":
            arm = (EXPERIMENTAL, COMPARATOR)[rest[1]]
            return run.dataset_arm_ratios[arm]
        return report["trial"][rest[0]]
    if top == "consort":
        consort = report["consort"]
        key = rest[0]
        if key == "meeting_exclusion_detail":
            return exclusion_count(run, rest[1])
        if key == "completed_pct":
            return 100 * consort["completed"][rest[1]] / consort["allocated"][rest[1]]
        if key == "analysed_itt":
            return consort["analysed"][rest[1]]
        if key in ("allocated", "completed"):
            return consort[key][rest[1]]
        return consort[key]
    if top == "table1":
        var, column, stat = rest
        return report["table1"][var][column][stat]
    if top == "baseline":
        outcome, arm, stat = rest
        return report["baseline"][outcome][arm][stat]
    if top == "derived":
        _, outcome, arm, stat = rest
        return report["baseline"][outcome][arm][stat]
    if top == "table2_participant_week":
        entry = report["outcomes"]["participant_week"][rest[0]]
        if rest[1] == "ci95":
            return entry["ci95"][rest[2]]
        if rest[1] in ("difference", "p"):
            return entry[rest[1]]
        return entry[rest[1]][rest[2]]
    if top == "change_from_baseline":
        entry = report["change_from_baseline"][rest[0]]
        return entry["p"] if rest[1] == "p" else entry[rest[1]][rest[2]]
    if top == "adverse_events_related_to_treatment":
        return report["adverse_events"]["related"][EXPERIMENTAL]["n"]
    if top == "reported_elsewhere_in_text" and rest == ["weekly_difference_significant_from_week"]:
        significant = [w["p"] < 0.05 for w in report["weekly"]["frequency"]]
        return next(w + 1 for w in range(len(significant)) if all(significant[w:]))
    raise AssertionError(f"no report value for {dotted(path)}")


def exclusion_count(run, detail: str) -> int:
    """Candidates whose stored screening reason names the criterion of `detail`."""
    from diary.presets import PRESETS

    criteria = {c["code"]: c["text"] for c in PRESETS["vitk2-nlc-2024"]["criteria"]}
    text = criteria[EXCLUSION_CRITERION[detail]]
    reasons = run.report["consort"]["excluded_reasons"]["meeting_exclusion"]
    return sum(n for reason, n in reasons.items() if text in reason)


@pytest.mark.parametrize("path", list(FIGURES), ids=[dotted(p) for p in FIGURES])
def test_report_reproduces_published_figure(reference_run, path):
    check_figure(reference_run, path)


@pytest.mark.parametrize("path", list(FIGURES), ids=[dotted(p) for p in FIGURES])
def test_electronic_diary_trial_reproduces_published_figure(electronic_diary_run, path):
    """The same trial whose participants kept the electronic diary: the weeks the calls
    confirmed from the nights give every published figure."""
    check_figure(electronic_diary_run, path)


def test_electronic_diary_trial_confirms_every_reached_week_from_its_nights(
    electronic_diary_run,
):
    facts = electronic_diary_run.facts
    assert facts["sources"] == {"diary": 1835}
    assert facts["nights"] == facts["dataset_nights"] > 7 * 1835
    assert facts["cramps"] > 0


def check_figure(run, path):
    target = FIGURES[path]
    value = ours(run, path)
    if isinstance(target, str):
        assert target == "<.001", f"unexpected published text {target!r}"
        assert value is not None and value < 0.001, f"{dotted(path)}: p = {value}"
        return
    assert value is not None, dotted(path)
    places = decimals(path)
    assert paper_round(value, places) == paper_round(target, places), (
        f"{dotted(path)}: ours {value!r} prints as {paper_round(value, places)}, "
        f"the paper prints {target}"
    )


def test_every_published_leaf_is_a_checked_figure_or_a_listed_protocol_constant():
    published = {dotted(p) for p, _ in leaves(PUBLISHED)}
    checked = {dotted(p) for p in FIGURES}
    constants = {p for p in published if not is_data(tuple(p.split(".")))}
    assert published - checked == constants
    assert len(checked) > 90


def test_demo_prints_every_table_row_beside_the_paper_and_all_match(reference_run):
    out = reference_run.demo_stdout
    assert "Table 1. Baseline characteristics" in out
    assert "Table 2. Outcomes during the 8 weeks" in out
    assert "✗" not in out
    rows = [line for line in out.splitlines() if line.rstrip().endswith("✓")]
    # Table 1: 8 characteristics x 3 columns; Table 2: 3 outcomes x (2 arms + difference)
    # and the primary outcome's p value.
    assert len(rows) == 24 + 10
    assert "-2.67 (-2.86 to -2.49)  -2.67 (-2.86 to -2.49)  ✓" in out
    assert "rows match the paper's published figures" in out


def test_demo_writes_the_report_files_to_the_folder_it_names(reference_run):
    folder = reference_run.demo_folder
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            *(
                f"itt-report-{figure}.{fmt}"
                for figure in ("consort", "figure2", "tipping-point")
                for fmt in ("png", "svg", "pdf")
            ),
            "itt-report-tables.zip",
            "itt-report.html",
            "itt-report.json",
            "itt-report.xlsx",
        ]
    )
    assert str(folder) in reference_run.demo_stdout
    written = json.loads((folder / "itt-report.json").read_text())
    assert written["blinded"] is False
    assert written["data_sha256"] == reference_run.report["data_sha256"]
    for png in ("itt-report-consort.png", "itt-report-figure2.png", "itt-report-tipping-point.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for figure in ("consort", "figure2", "tipping-point"):
        assert (folder / f"itt-report-{figure}.svg").read_bytes().startswith(b"<?xml")
        assert (folder / f"itt-report-{figure}.pdf").read_bytes()[:5] == b"%PDF-"
    assert (folder / "itt-report.xlsx").read_bytes()[:2] == b"PK"


def test_demo_consort_diagram_shows_the_consort_2010_boxes_of_each_arm(reference_run):
    texts = svg_texts((reference_run.demo_folder / "itt-report-consort.svg").read_bytes())
    flow = reference_run.report["consort"]
    codes = [arm["code"] for arm in reference_run.report["arms"]]
    starts = [i for i, text in enumerate(texts) if text.startswith("Allocated to")]
    boxes = dict(zip(codes, [texts[starts[0] : starts[1]], texts[starts[1] :]], strict=True))
    assert boxes["vitamin_k2"][0] == "Allocated to Vitamin K2 (MK-7) 180 \u00b5g (n = 103)"
    assert boxes["placebo"][0].endswith("(n = 96)")
    for code, published in (("vitamin_k2", (103, 95, 8)), ("placebo", (96, 83, 13))):
        allocated, completed, discontinued = published
        lines = boxes[code]
        assert f"\u2022 Received the allocated intervention (n = {flow['received'][code]})" in lines
        assert f"Lost to follow-up (n = {flow['lost_to_follow_up'][code]})" in lines
        assert f"Discontinued the intervention (n = {discontinued})" in lines
        assert f"Completed the intervention (n = {completed})" in lines
        assert f"Analysed (n = {allocated})" in lines  # intention to treat: all allocated
        reasons = flow["discontinued_reasons"][code]
        assert sum(reasons.values()) == discontinued
        top = max(reasons.items(), key=lambda r: (r[1], r[0]))
        assert any(line.endswith(f"(n = {top[1]})") and line.startswith("\u2022") for line in lines)
