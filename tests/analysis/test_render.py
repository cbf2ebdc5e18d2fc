"""Rendering: display rounding, the HTML tables, the workbook, the CSV zip and the PNGs."""

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from analysis.render import consort_png, figure2_png, render_csv, render_html, render_xlsx
from analysis.render import format as fmt
from analysis.report import build_report
from tests.analysis.builders import tiny_trial

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report():
    return build_report(tiny_trial(), view="unblinded", table1_pvalues=True)


@pytest.mark.parametrize(
    ("p", "shown"),
    [(None, "\u2014"), (0.0, "<.001"), (0.000999, "<.001"), (0.001, ".001"), (0.0234, ".023")],
)
def test_p_values_are_shown_as_journals_print_them(p, shown):
    assert fmt.p_value(p) == shown


def test_numbers_round_only_for_display():
    assert fmt.number(-1.666666, 2) == "\u22121.67"
    assert fmt.number(-0.001, 2) == "0.00"
    assert fmt.number(None) == "\u2014"
    assert fmt.n_pct({"n": 1, "pct": 33.333}) == "1 (33.3)"
    assert fmt.mean_sd({"mean": 72.0, "sd": 5.8878}, 1) == "72.0 (5.9)"
    entry = {"difference": -2.666, "ci95": [-2.861, -2.49]}
    assert fmt.difference_ci(entry) == "\u22122.67 (\u22122.86 to \u22122.49)"


def test_html_lays_out_table1_like_the_paper(report):
    page = render_html(report).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<th>Total<br>(n = 4)</th><th>Remedy 10 mg<br>(n = 2)</th>" in page
    # female: 3 (75.0) total, 1 (50.0) remedy, 2 (100.0) dummy
    assert (
        '<td class="indent">Female</td><td>3 (75.0)</td><td>1 (50.0)</td><td>2 (100.0)</td>' in page
    )
    # age 72.0 (5.9); creatinine with two decimals, undefined SD shown as a dash
    assert "<td>Age, mean (SD), y</td><td>72.0 (5.9)</td>" in page
    assert "<td>0.90 (\u2014)</td>" in page


def test_html_shows_table2_with_difference_and_ci(report):
    page = render_html(report).decode("utf-8")
    # frequency: 1.33 (0.82) vs 3.00 (1.26), difference -1.67 (-3.04 to -0.30)
    assert "<td>1.33 (0.82)</td><td>3.00 (1.26)</td>" in page
    # n (participant-weeks here) in the column heads, as the paper prints it
    assert "<th>Remedy 10 mg<br>(n = 6), mean (SD)</th>" in page
    assert "\u22121.67 (\u22123.04 to \u22120.30)" in page
    assert "independent" in page  # the note on the participant-week method
    assert page.count('src="data:image/png;base64,') == 3  # figure 2, CONSORT, tipping point


def test_html_escapes_text():
    dataset = tiny_trial()
    trial = {**dataset.trial, "title": "<script>alert(1)</script>"}
    page = render_html(
        build_report(type(dataset)(**{**dataset.__dict__, "trial": trial}), view="unblinded")
    ).decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_xlsx_has_one_sheet_per_table_with_unrounded_values(report):
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert {
        "consort",
        "table1",
        "participant_week",
        "participant",
        "ancova",
        "change",
        "weekly",
        "gee",
        "adverse_events",
        "imputed",
        "figure2",
    } <= set(workbook.sheetnames)
    sheet = workbook["participant_week"]
    header = [c.value for c in sheet[2]]
    row = {h: c for h, c in zip(header, sheet[3], strict=True)}
    assert row["outcome"].value == "frequency"
    assert row["remedy_mean"].value == pytest.approx(4 / 3, rel=1e-15)
    assert row["remedy_mean"].number_format == "0.00"
    assert row["p"].number_format == "0.000"


def test_csv_zip_holds_one_file_per_table(report):
    with zipfile.ZipFile(io.BytesIO(render_csv(report))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("weekly.csv").decode("utf-8"))))
        names = archive.namelist()
    assert "table1.csv" in names and "consort.csv" in names
    assert len(rows) == 9  # 3 outcomes x 3 weeks
    assert float(rows[0]["difference"]) == pytest.approx(-2.5)
    assert rows[0]["week"] == "1"


def test_pngs_are_valid_and_deterministic(report):
    for render in (figure2_png, consort_png):
        first = render(report)
        assert first.startswith(PNG_SIGNATURE)
        assert render(report) == first


def test_html_prints_the_estimand_table_first_then_the_analysis_plan(report):
    page = render_html(report).decode("utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings[:2] == ["Estimands", "Statistical analysis plan"]
    assert headings.index("Primary analysis") < headings.index(
        "Table 2. Outcomes during the intervention"
    )
    plan = page[page.index("Statistical analysis plan") : page.index("<h2>Primary analysis")]
    for words in (
        "negative binomial",
        "Rubin",
        "Barnard-Rubin",
        "m = 50",
        "Holm",
        "jump to reference",
    ):
        assert words in plan, words


def test_html_labels_every_analysis(report):
    page = render_html(report).decode("utf-8")
    for label in ("Primary analysis", "Secondary analysis", "Sensitivity analysis"):
        assert f"<caption>{label}" in page, label
    assert "Supportive analysis (the published method)" in page
    assert "Exploratory analysis: one test per week" in page


def test_open_html_and_tables_compare_nothing():
    pooled = build_report(tiny_trial(), view="open")
    page = render_html(pooled).decode("utf-8")
    for heading in ("Difference", "P value", "Rate ratio", "Group A", "Remedy", "Dummy"):
        assert heading not in page.split("<h2>Table 1.")[1], heading
    assert "<th>Total<br>(n = 4)</th>" in page
    assert page.count('src="data:image/png;base64,') == 2  # no tipping point without groups
    workbook = load_workbook(io.BytesIO(render_xlsx(pooled)))
    assert "negative_binomial" not in workbook.sheetnames
    header = [c.value for c in workbook["participant_week"][2]]
    assert header == ["outcome", "all_n", "all_mean", "all_sd"]
    with zipfile.ZipFile(io.BytesIO(render_csv(pooled))) as archive:
        weekly = archive.read("weekly.csv").decode("utf-8").splitlines()[0]
    assert weekly == "outcome,week,all_n,all_mean,all_sd"


def test_xlsx_holds_the_plan_tables(report):
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert {
        "estimands",
        "analyses",
        "plan",
        "negative_binomial",
        "multiple_imputation",
        "tipping_point",
        "per_protocol",
        "multiplicity",
        "weeks_with_cramps",
        "adherence",
        "completeness",
    } <= set(workbook.sheetnames)
