"""Rendering: display rounding, the HTML tables, the workbook, the CSV zip and the PNGs."""

import csv
import html
import io
import re
import zipfile
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image

from analysis.render import consort_png, figure2_png, render_csv, render_html, render_xlsx
from analysis.render import format as fmt
from analysis.render.figures import consort, figure2, figure_bytes, figure_files
from analysis.report import build_report
from tests.analysis.builders import GROUP_CODES, tiny_trial
from tests.analysis.svg import svg_texts

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


def _sheet(workbook, name: str) -> dict[str, list]:
    """{header label: [cells of that column]} of a formatted sheet (title row 1, header 2)."""
    sheet = workbook[name]
    header = [c.value for c in sheet[2]]
    columns = {h: [] for h in header}
    for row in sheet.iter_rows(min_row=3):
        for h, cell in zip(header, row, strict=False):
            columns[h].append(cell)
    return columns


def test_xlsx_has_one_formatted_sheet_per_table_with_labels_and_display_rounding(report):
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert {
        "CONSORT flow",
        "Table 1",
        "Table 2 (participant-weeks)",
        "Participant means",
        "ANCOVA",
        "Change from baseline",
        "eTable 1 (weekly)",
        "Rate ratio (GEE)",
        "Adverse events",
        "Imputed weeks",
        "Figure 2 data",
    } <= set(workbook.sheetnames)
    table2 = _sheet(workbook, "Table 2 (participant-weeks)")
    assert table2["Outcome"][0].value == "Cramps per week"
    mean = table2["Remedy 10 mg, mean"][0]
    assert mean.value == pytest.approx(4 / 3, rel=1e-15)  # unrounded, shown rounded
    assert mean.number_format == "0.00"
    p = table2["P value"][0]
    assert p.value == pytest.approx(report["outcomes"]["participant_week"]["frequency"]["p"])
    assert p.number_format == "#.000"  # .022, as the page prints it
    assert workbook["Table 2 (participant-weeks)"].freeze_panes == "B3"
    assert workbook["Table 2 (participant-weeks)"].column_dimensions["B"].width > 8
    table1 = _sheet(workbook, "Table 1")
    creatinine = [c for c in table1["Characteristic"] if c.value == "Creatinine, mg/dL"]
    assert creatinine


def test_xlsx_prints_p_below_001_as_text_as_journals_do(report):
    tiny_p = {**report["outcomes"]["participant_week"]["frequency"], "p": 8.3e-149}
    changed = {
        **report,
        "outcomes": {
            **report["outcomes"],
            "participant_week": {**report["outcomes"]["participant_week"], "frequency": tiny_p},
        },
    }
    workbook = load_workbook(io.BytesIO(render_xlsx(changed)))
    assert _sheet(workbook, "Table 2 (participant-weeks)")["P value"][0].value == "<.001"
    unrounded = [
        c.value
        for row in workbook["Data (unrounded)"].iter_rows()
        for c in row
        if isinstance(c.value, float)
    ]
    assert 8.3e-149 in unrounded


def test_xlsx_data_sheet_holds_every_value_unrounded(report):
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert workbook.sheetnames[-1] == "Data (unrounded)"
    sheet = workbook["Data (unrounded)"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Table 2: participant-weeks, pooled t" in values
    p = report["outcomes"]["participant_week"]["frequency"]["p"]
    assert any(isinstance(v, float) and v == pytest.approx(p, rel=1e-15) for v in values)
    assert all(c.number_format == "General" for row in sheet.iter_rows() for c in row)


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


def test_every_figure_comes_as_300_dpi_png_svg_and_pdf(report):
    made = {fmt: dict(figure_files(report, fmt)) for fmt in ("png", "svg", "pdf")}
    for files in made.values():
        assert set(files) == {"figure2", "consort", "tipping-point"}
    for png in made["png"].values():
        image = Image.open(io.BytesIO(png))
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.size[0] >= 2400  # 8 inches at 300 dpi
    assert all(svg.startswith(b"<?xml") for svg in made["svg"].values())
    assert all(pdf.startswith(b"%PDF-") for pdf in made["pdf"].values())
    assert dict(figure_files(report, "svg")) == made["svg"]  # same report, same bytes
    assert dict(figure_files(report, "pdf")) == made["pdf"]


def test_figure2_draws_the_sd_bars_in_full_below_zero(report):
    points = report["figure2"]["points"]
    lowest = min(
        p[g]["mean"] - p[g]["sd"]
        for p in points
        for g in ("remedy", "dummy")
        if p[g]["mean"] is not None and p[g]["sd"] is not None
    )
    assert lowest < 0  # the tiny trial has a bar that reaches below 0
    axes = figure2(report).axes[0]
    assert axes.get_ylim()[0] <= lowest
    assert "drawn in full" in " ".join(svg_texts(figure_bytes(figure2(report), "svg")))


def consort_boxes(svg: bytes, labels: list[str]) -> dict[str, list[str]]:
    """{group label: the lines of its allocation, follow-up and analysis boxes}."""
    texts = svg_texts(svg)
    starts = [next(i for i, t in enumerate(texts) if f"to {label} (n =" in t) for label in labels]
    ends = [*starts[1:], len(texts)]
    return {label: texts[a:b] for label, a, b in zip(labels, starts, ends, strict=True)}


def test_consort_diagram_has_every_consort_2010_box_per_group():
    coded = build_report(tiny_trial(), view="coded", group_codes=GROUP_CODES)
    svg = figure_bytes(consort(coded), "svg")
    boxes = consort_boxes(svg, ["Group A", "Group B"])
    # B is the remedy: P2 withdrew on day 10 ("moved away"); nobody missed every week
    assert boxes["Group B"][:3] == [
        "Allocated to Group B (n = 2)",
        "\u2022 Received the allocated intervention (n = 2)",
        "\u2022 Did not receive it (n = 0)",
    ]
    for line in (
        "Lost to follow-up (n = 0)",
        "Discontinued the intervention (n = 1)",
        "\u2022 moved away (n = 1)",
        "Analysed (n = 2)",
    ):
        assert line in boxes["Group B"], line
    assert "Discontinued the intervention (n = 0)" in boxes["Group A"]
    assert "Analysed (n = 2)" in boxes["Group A"]
    text = " ".join(svg_texts(svg))
    assert "Remedy" not in text and "Dummy" not in text  # a coded diagram names no arm


def test_consort_counts_who_never_started_who_stopped_and_who_was_lost():
    dataset = tiny_trial()
    participants = dataset.participants.copy()
    stopped = pd.to_datetime(["2023-01-16", None, "2023-01-20", None])
    participants["treatment_stopped_on"] = stopped
    participants["treatment_stop_reason"] = ["nausea", None, "forgot", None]
    diary = dataset.diary[
        ~((dataset.diary["participant_id"] == "P3") & (dataset.diary["phase"] == "intervention"))
    ]
    flow = build_report(replace(dataset, participants=participants, diary=diary), view="unblinded")[
        "consort"
    ]
    assert flow["received"] == {"remedy": 1, "dummy": 2}  # P1 stopped on day 0
    assert flow["not_received_reasons"] == {"remedy": {"nausea": 1}, "dummy": {}}
    assert flow["stopped_treatment"] == {"remedy": 0, "dummy": 1}  # P3, followed to the end
    assert flow["stopped_treatment_reasons"]["dummy"] == {"forgot": 1}
    assert flow["discontinued_reasons"] == {"remedy": {"moved away": 1}, "dummy": {}}
    assert flow["lost_to_follow_up"] == {"remedy": 0, "dummy": 1}  # P3: no observed week


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
    assert "Primary (negative binomial)" not in workbook.sheetnames
    header = [c.value for c in workbook["Table 2 (participant-weeks)"][2]]
    assert header == [
        "Outcome",
        "All randomized participants, n",
        "All randomized participants, mean",
        "All randomized participants, SD",
    ]
    with zipfile.ZipFile(io.BytesIO(render_csv(pooled))) as archive:
        weekly = archive.read("weekly.csv").decode("utf-8").splitlines()[0]
    assert weekly == "outcome,week,all_n,all_mean,all_sd"


def test_xlsx_holds_the_plan_tables(report):
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert {
        "Estimands",
        "Analyses",
        "Analysis plan",
        "Primary (negative binomial)",
        "Multiple imputation",
        "Tipping point",
        "Per protocol",
        "Multiplicity",
        "Weeks with a cramp",
        "Adherence",
        "Data completeness",
    } <= set(workbook.sheetnames)


MACHINE_KEY = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _page_text(page: bytes) -> str:
    text = re.sub(r"<style>.*?</style>", "", page.decode("utf-8"), flags=re.S)
    text = re.sub(r'src="data:[^"]*"', "", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _cells(workbook) -> list[str]:
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _labelled(label: str):
    dataset = tiny_trial()
    arms = dataset.arms.assign(label=[label, "Dummy capsule"])
    return build_report(replace(dataset, arms=arms), view="unblinded", table1_pvalues=True)


def test_html_and_xlsx_show_labels_not_keys_and_unit_symbols():
    report = _labelled("Remedy 180 ug")
    text = _page_text(render_html(report))
    cells = _cells(load_workbook(io.BytesIO(render_xlsx(report))))
    for shown in (text, "\n".join(cells)):
        assert MACHINE_KEY.findall(shown) == []
        assert "Remedy 180\u00a0\u00b5g" in shown
        assert "180 ug" not in shown
        assert "remedy minus dummy" not in shown
        assert "Remedy 180\u00a0\u00b5g minus Dummy capsule" in shown
        assert "mg/dL" in shown
    assert "Arm-week mean" in text
    for key in ("remedy_mean", "ci95_low", "participant_week", "creatinine_mg_dl", "pct"):
        assert key not in cells


def test_coded_html_and_xlsx_name_the_groups_a_and_b():
    coded = build_report(tiny_trial(), view="coded", group_codes=GROUP_CODES)
    text = _page_text(render_html(coded))
    cells = _cells(load_workbook(io.BytesIO(render_xlsx(coded))))
    assert "Group A, mean" in cells and "Group A minus Group B" in text
    for shown in (text, "\n".join(cells)):
        assert MACHINE_KEY.findall(shown) == []
        assert "Remedy" not in shown and "remedy" not in shown


def test_tables_of_duration_and_severity_carry_the_week_values_footnote(report):
    page = render_html(report).decode("utf-8")
    footnote = '<tfoot><tr><td class="footnote" colspan="5">Weeks without cramps count 0'
    assert footnote in page  # Table 2: outcome, two groups, difference, p
    table2 = page[page.index("<h2>Table 2.") : page.index("</table>", page.index("<h2>Table 2."))]
    assert "Weeks without cramps count 0 for duration and severity" in table2
    frequency_only = page[page.index("<h2>Repeated-measures model") :]
    frequency_only = frequency_only[: frequency_only.index("</table>")]
    assert "Weeks without cramps" not in frequency_only
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    notes = [c.value for c in workbook["Table 2 (participant-weeks)"]["A"] if c.value]
    assert notes[-1].startswith("Weeks without cramps count 0 for duration and severity")
