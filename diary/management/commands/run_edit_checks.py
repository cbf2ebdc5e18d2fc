"""python manage.py run_edit_checks [--today YYYY-MM-DD]: run every declared edit check
now (as the daily schedule does), e.g. after importing a data package."""

from datetime import date

from django.core.management.base import BaseCommand

from diary.services.queries import edit_checks_run


class Command(BaseCommand):
    help = (
        "Run every edit check declared with the records on every participant's records: "
        "raise the queries of values that fire a check, close the open ones whose value "
        "no longer does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args, today=None, **options):
        counts = edit_checks_run(today=today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Edit checks: {counts['raised']} queries raised, {counts['closed']} closed."
            )
        )
