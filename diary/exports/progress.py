"""The weekly progress report as a standalone HTML page (stored, and the body of the
coordinators' email)."""

from django.template.loader import render_to_string

from diary.selectors.progress import ProgressReport


def _context(report: ProgressReport) -> dict:
    return {
        "report": report,
        "enrolment": [*report.enrolment, report.enrolment_total],
        "weeks": report.call_weeks,
        "totals": sorted(report.call_totals.items()),
    }


def progress_report_html(report: ProgressReport) -> bytes:
    return render_to_string("exports/progress_report.html", _context(report)).encode()
