"""python manage.py demo [--output DIR]: the README's main command (`make demo`).

Migrates the database, simulates the reference trial through the app's services
(once: a database that already holds it keeps it), creates one account per role,
builds the unblinded intention-to-treat report as a Celery job (in-process on the
embedded default, on a worker when REDIS_URL is set), copies its files to DIR and
prints Table 1 and Table 2 with the paper's published figures beside ours.
Safe to run again.
"""

import json
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from analysis.management.commands.itt_report import os_user
from analysis.models import Report
from analysis.services.reports import report_request_operator
from analysis.tasks import generate_itt_report
from diary.models import Participant
from diary.presets import PRESETS
from diary.selectors.trial import trial_or_none
from diary.simulation.comparison import TABLE1, TABLE2, comparison_lines, paper_comparison

REFERENCE = "vitk2-nlc-2024"
FORMATS = ["json", "html", "xlsx", "csv", "png", "svg", "pdf"]
# What the report's files are called in the demo folder, by their suffix.
DEMO_NAMES = {
    ".json": "itt-report.json",
    ".html": "itt-report.html",
    ".xlsx": "itt-report.xlsx",
    "-tables.zip": "itt-report-tables.zip",
    **{
        f"-{figure}.{fmt}": f"itt-report-{figure}.{fmt}"
        for figure in ("figure2", "consort", "tipping-point")
        for fmt in ("png", "svg", "pdf")
    },
}
WAIT_SECONDS = 600
HINT_SECONDS = 5  # still queued after this long: say a worker is needed


class Command(BaseCommand):
    help = (
        "Migrate, simulate the reference trial (once), create the demo accounts, build the "
        "unblinded ITT report through Celery, write its files and compare it with the paper."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Folder for the report's files (default: var/demo-report).",
        )

    def handle(self, *args, output, **options):
        output = Path(output or Path(settings.VAR_DIR) / "demo-report").resolve()
        self._migrate()
        self._simulate()
        call_command("demo_users", stdout=self.stdout)
        report = self._report()
        files = self._write(report, output)
        self.stdout.write(self.style.SUCCESS(f"Report files written to {output}:"))
        for name in files:
            self.stdout.write(f"  {name}")
        self._compare(output / DEMO_NAMES[".json"])

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(f"Database migrated ({connection.vendor}).")
        else:
            self.stdout.write(f"Database up to date ({connection.vendor}).")

    def _simulate(self) -> None:
        trial = trial_or_none()
        reference_code = PRESETS[REFERENCE]["code"]
        if trial is not None and Participant.objects.filter(trial=trial).exists():
            self.stdout.write(
                f"Trial {trial.code} already holds data "
                f"({Participant.objects.filter(trial=trial).count()} participants); kept as is."
            )
            if trial.code != reference_code:
                self.stdout.write(self.style.WARNING("It is not the reference trial."))
            return
        self.stdout.write("Simulating the reference trial through the app's services...")
        call_command("simulate_trial", preset=REFERENCE, stdout=self.stdout)

    def _report(self) -> Report:
        """The unblinded report, requested as the shell's operator and built as a Celery job."""
        report = report_request_operator(os_user=os_user(), view="unblinded", formats=FORMATS)
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        where = "in this process" if eager else "on a Celery worker (REDIS_URL)"
        self.stdout.write(
            f"Building the unblinded ITT report {report.pk} for {report.requested_by_name} "
            f"{where}..."
        )
        generate_itt_report.delay(report.pk)
        started = time.monotonic()
        hinted = False
        while True:
            report.refresh_from_db()
            if report.status in (Report.Status.DONE, Report.Status.FAILED):
                break
            waited = time.monotonic() - started
            if waited > WAIT_SECONDS:
                raise CommandError(
                    f"Report {report.pk} is still {report.status} after {WAIT_SECONDS} s; "
                    "is a Celery worker running?"
                )
            if not hinted and waited > HINT_SECONDS and report.status == Report.Status.QUEUED:
                self.stdout.write(
                    "  waiting for a worker (start one with: "
                    ".venv/bin/celery -A config worker -l info)"
                )
                hinted = True
            time.sleep(0.5)
        if report.status == Report.Status.FAILED:
            raise CommandError(f"Report {report.pk} failed: {report.error}")
        return report

    def _write(self, report: Report, output: Path) -> list[str]:
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for stored in report.files.order_by("kind", "file"):
            source = Path(stored.file.path)
            name = next(
                (demo for suffix, demo in DEMO_NAMES.items() if source.name.endswith(suffix)),
                source.name,
            )
            shutil.copyfile(source, output / name)
            written.append(name)
        return written

    def _compare(self, json_path: Path) -> None:
        result = json.loads(json_path.read_text(encoding="utf-8"))
        try:
            figures = paper_comparison(result)
        except ValueError as exc:
            self.stdout.write(self.style.WARNING(f"No comparison with the paper: {exc}."))
            return
        self.stdout.write("\nOur report beside the paper (Tan et al., JAMA Intern Med 2024):")
        for line in comparison_lines(figures, sections=(TABLE1, TABLE2)):
            self.stdout.write(line)
        others = [f for f in figures if f.section not in (TABLE1, TABLE2)]
        self.stdout.write(
            f"\nCONSORT, baseline frequency, change from baseline and the text: "
            f"{sum(f.match for f in others)} of {len(others)} published figures match too."
        )
        differ = [f for f in figures if not f.match]
        if differ:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(differ)} of {len(figures)} rows differ from the paper's figures:"
                )
            )
            for f in differ:
                self.stdout.write(f"  {f.section}: {f.label} {f.column}: {f.ours} vs {f.paper}")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"All {len(figures)} rows match the paper's published figures.")
            )
