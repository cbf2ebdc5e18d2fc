"""python manage.py itt_report [--view open|coded|unblinded | --unblinded] [--imputation NAME]
[--table1-pvalues] --format json|html|xlsx|csv [--output PATH]

Builds the intention-to-treat report now, in this process, and stores it like any
other report (the report row names the operating-system user, so a report by group
made from the shell is in the audit trail). The view is by default coded once the
database is locked and open before; `--unblinded` is `--view unblinded`. Text formats
print to standard output when no --output is given; binary ones (xlsx, csv as a zip)
need --output or standard output redirected to a file or pipe.
"""

import getpass
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analysis.cohort import UNBLINDED, VIEWS
from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.models import Report
from analysis.services.reports import report_build, report_request_operator
from diary.errors import TrialError

FORMATS = ("json", "html", "xlsx", "csv")
TEXT_FORMATS = ("json", "html")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class Command(BaseCommand):
    help = "Build the intention-to-treat report and print or save it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="output_format", choices=FORMATS, default="json", help="Default: json."
        )
        parser.add_argument("--output", metavar="PATH", help="Write the report to this file.")
        parser.add_argument("--imputation", choices=IMPUTATIONS, default=DEFAULT_IMPUTATION)
        parser.add_argument(
            "--view",
            choices=VIEWS,
            help="open (all pooled), coded (groups A and B) or unblinded; default: coded "
            "once the database is locked, open before.",
        )
        parser.add_argument(
            "--unblinded",
            action="store_true",
            help="Name the arms (--view unblinded; recorded with your operating-system user).",
        )
        parser.add_argument(
            "--table1-pvalues", action="store_true", help="Add p-values to Table 1."
        )

    def handle(
        self, *args, output_format, output, imputation, view, unblinded, table1_pvalues, **opts
    ):
        if unblinded and view not in (None, UNBLINDED):
            raise CommandError("--unblinded and --view name different views.")
        stream = None
        if not output and output_format not in TEXT_FORMATS:
            stream = getattr(self.stdout, "buffer", None)
            if stream is None or self.stdout.isatty():
                raise CommandError(
                    f"{output_format} is a binary format: give --output PATH "
                    "(or redirect standard output to a file)."
                )
        try:
            report = report_request_operator(
                os_user=os_user(),
                view=UNBLINDED if unblinded else view,
                imputation=imputation,
                table1_pvalues=table1_pvalues,
                formats=[output_format],
            )
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        report = report_build(report=report)
        if report.status != Report.Status.DONE:
            raise CommandError(f"Report {report.pk} failed: {report.error}")
        stored = report.files.get(kind=output_format)
        with stored.file.open("rb") as handle:
            content = handle.read()
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"Report {report.pk} written to {output} ({len(content)} bytes).")
        elif stream is not None:
            self.stdout.flush()
            stream.write(content)
            stream.flush()
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
