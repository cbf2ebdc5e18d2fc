"""Characters XML cannot hold: a value stored before entry refused control characters
(a vertical tab is what Word's Shift+Enter pastes) still travels in every export
format, and never stops the nightly export."""

import io
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from django.conf import settings
from openpyxl import load_workbook

from analysis.services.reports import report_build, report_request_operator
from diary.exports.xlsx import xlsx_text
from diary.models import AdverseEvent, ExportRun
from diary.services.exports import export_run_scheduled
from diary.tasks import scheduled_data_export

pytestmark = pytest.mark.django_db

TERM = "Head\x0bache"  # a vertical tab, stored straight into the database
EVERY_FORMAT = ["package", "xlsx", "spss", "stata", "codebook"]


@pytest.fixture
def stored_before_the_rule(data_trial):
    event = AdverseEvent.objects.filter(participant__trial=data_trial).order_by("pk").first()
    AdverseEvent.objects.filter(pk=event.pk).update(term=TERM, outcome="Better\x0cnow")
    return data_trial


def _files(run: ExportRun) -> dict[str, bytes]:
    media = Path(settings.MEDIA_ROOT)
    return {f.name.split("-", 2)[-1]: (media / f.file.name).read_bytes() for f in run.files.all()}


def _member(archive: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return zipped.read(name)


def test_the_nightly_export_writes_every_format_with_a_vertical_tab(stored_before_the_rule):
    status = scheduled_data_export.delay(formats=EVERY_FORMAT).get()
    run = ExportRun.objects.get()
    assert status == ExportRun.Status.DONE, run.error
    files = _files(run)
    assert sorted(files) == sorted(
        ["package.zip", "data.xlsx", "spss.zip", "stata.zip", "codebook.csv", "codebook.html"]
    )
    assert TERM.encode() in _member(files["package.zip"], "adverse_events.csv")

    book = load_workbook(io.BytesIO(files["data.xlsx"]))
    terms = [row[2] for row in book["adverse_events"].iter_rows(min_row=2, values_only=True)]
    # Written as the workbook format escapes it (Excel reads _x000B_ back as the character).
    assert "Head_x000B_ache" in terms

    for fmt, suffix, reader in (
        ("spss", ".sav", pyreadstat.read_sav),
        ("stata", ".dta", pyreadstat.read_dta),
    ):
        path = Path(settings.MEDIA_ROOT) / f"adverse_events{suffix}"
        path.write_bytes(_member(files[f"{fmt}.zip"], f"adverse_events{suffix}"))
        frame, _ = reader(str(path))
        assert TERM in frame["term"].tolist(), fmt


def test_a_text_that_xml_cannot_hold_is_escaped_and_a_literal_escape_stays_literal():
    assert xlsx_text("a\x0bb\x00c\x1f") == "a_x000B_b_x0000_c_x001F_"
    assert xlsx_text("tab\tand\nline") == "tab\tand\nline"  # XML holds these
    assert xlsx_text("code _x0041_ here") == "code _x005F_x0041_ here"
    assert xlsx_text("_x12_ and _xZZZZ_") == "_x12_ and _xZZZZ_"


def test_the_stored_export_is_done_with_every_format(stored_before_the_rule):
    run = export_run_scheduled(schedule="test", period="2024-03-01", formats=EVERY_FORMAT)
    assert run.status == ExportRun.Status.DONE, run.error
    assert run.files.count() == 6


def test_a_report_of_a_trial_whose_title_holds_a_vertical_tab_is_built(data_trial):
    data_trial.title = "Vitamin K2\x0bfor cramps"
    data_trial.save(update_fields=["title"])
    report = report_build(report=report_request_operator(os_user="ops", trial=data_trial))
    assert report.status == "done", report.error
    xlsx = Path(report.files.get(kind="xlsx").file.path).read_bytes()
    book = load_workbook(io.BytesIO(xlsx))
    values = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    assert "Vitamin K2_x000B_for cramps" in values
