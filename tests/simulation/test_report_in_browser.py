"""The demo's HTML report in a real Chromium: Table 1 and Table 2 are laid out like
the paper's (a characteristic per row, the total and each arm as columns; an
outcome per row with each arm's mean (SD), the difference with its 95% CI and
the P value), fit the page, and are kept as screenshots in test-artifacts/."""

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MINUS = "\u2212"


@pytest.fixture(scope="module")
def report_file(reference_run, tmp_path_factory) -> Path:
    html = Path(tmp_path_factory.mktemp("html")) / "itt-report.html"
    html.write_bytes(reference_run.html)
    return html


@pytest.fixture
def report_page(report_file):
    """The report open in Chromium. Function-scoped: Playwright's event loop runs only
    inside the test, after the test's database fixture is set up and before it is
    torn down, so that fixture keeps the thread's own connection."""
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        print(f"SKIP browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(report_file.as_uri())
        page.js_errors = errors
        yield page
        browser.close()


def table_after(page, heading: str):
    return page.locator(f"h2:text-is('{heading}') + table")


def cell_texts(table) -> list[list[str]]:
    return table.evaluate("t => [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim()))")


def test_table1_reads_like_the_papers_table1(report_page):
    table = table_after(report_page, "Table 1. Baseline characteristics")
    rows = cell_texts(table)
    assert rows[0] == [
        "Characteristic",
        "Total\n(n = 199)",
        "Vitamin K2 (MK-7) 180 µg\n(n = 103)",
        "Placebo\n(n = 96)",
    ]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert body["Female"] == ["108 (54.3)", "52 (50.5)", "56 (58.3)"]
    assert body["Age, mean (SD), y"] == ["72.3 (5.5)", "72.8 (5.5)", "71.8 (5.5)"]
    assert body["Creatinine, mean (SD), mg/dL"] == ["0.89 (0.37)", "0.87 (0.21)", "0.91 (0.49)"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    table.screenshot(path=str(SCREENSHOTS / "report-table1.png"))


def test_table2_reads_like_the_papers_table2(report_page):
    table = table_after(report_page, "Table 2. Outcomes during the intervention")
    rows = cell_texts(table)
    assert rows[0] == [
        "Outcome",
        "Vitamin K2 (MK-7) 180 µg\n(n = 824), mean (SD)",
        "Placebo\n(n = 768), mean (SD)",
        "Difference (95% CI)",
        "P value",
    ]
    frequency = next(row for row in rows if row[0] == "Cramps per week")
    assert frequency[1:3] == ["0.96 (1.41)", "3.63 (2.20)"]
    assert frequency[3] == f"{MINUS}2.67 ({MINUS}2.86 to {MINUS}2.49)"
    assert frequency[4] == "<.001"
    table.screenshot(path=str(SCREENSHOTS / "report-table2.png"))


def test_report_tables_fit_the_page_with_numbers_aligned(report_page):
    page = report_page
    width = page.evaluate("document.documentElement.clientWidth")
    for heading in (
        "Table 1. Baseline characteristics",
        "Table 2. Outcomes during the intervention",
    ):
        table = table_after(page, heading)
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (heading, box, width)
        aligns = table.evaluate(
            "t => [...t.tBodies[0].rows[1].cells].map(c => getComputedStyle(c).textAlign)"
        )
        assert aligns[0] in ("left", "start") and set(aligns[1:]) == {"right"}
        wrapped = table.evaluate(
            """t => [...t.tBodies[0].querySelectorAll('td')].filter(c => {
                const range = document.createRange();
                range.selectNodeContents(c);
                return range.getClientRects().length > 1;
            }).map(c => c.innerText)"""
        )
        assert wrapped == [], f"{heading}: cells broken over lines: {wrapped}"
    assert page.js_errors == []
    page.screenshot(path=str(SCREENSHOTS / "report-demo-full.png"), full_page=True)


def test_consort_table_breaks_the_exclusions_down_by_criterion(report_page):
    table = table_after(report_page, "CONSORT flow")
    rows = cell_texts(table)
    labels = [row[0] for row in rows]
    start = labels.index("Meeting exclusion criteria")
    assert rows[start][1] == "40"
    detail = rows[start + 1 : start + 3]
    assert [row[1] for row in detail] == ["26", "14"]
    assert detail[0][0].startswith("meets exclusion: Cramps caused by a metabolic disease")
    assert "Vitamin K antagonist" in detail[1][0]
    table.screenshot(path=str(SCREENSHOTS / "report-consort.png"))
