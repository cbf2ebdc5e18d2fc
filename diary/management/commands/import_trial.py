"""python manage.py import_trial PATH: import a trial data package (folder or .zip)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.package.problems import PackageRefused
from diary.services.package_import import package_import

WARNINGS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import a trial data package (a folder or a .zip). Nothing is written unless "
        "the whole package is valid; every problem is listed as file:line:column: message."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", help="Username recorded in the audit trail as importer.")

    def handle(self, *args, path, user=None, **options):
        by_user = None
        if user:
            try:
                by_user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        try:
            result = package_import(path=path, by_user=by_user)
        except PackageRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            if refused.total > len(refused.problems):
                self.stderr.write(f"... and {refused.total - len(refused.problems)} more problems")
            raise CommandError(refused.message) from None
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        verb = "Created and imported" if result.trial_created else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb} trial {result.trial.code} from {path}"))
        for name, count in result.rows.items():
            self.stdout.write(f"  {name}: {count} rows")
        if result.scheduled_weeks:
            self.stdout.write(f"  {result.scheduled_weeks} empty diary weeks scheduled")
        if result.list_sha256:
            self.stdout.write(f"  randomization list fingerprint (sha256): {result.list_sha256}")
        if result.warnings_total:
            self.stdout.write(f"{result.warnings_total} warnings (imported as they are):")
            for warning in result.warnings[:WARNINGS_SHOWN]:
                self.stdout.write(f"warning: {warning}")
            if result.warnings_total > WARNINGS_SHOWN:
                self.stdout.write(f"... and {result.warnings_total - WARNINGS_SHOWN} more warnings")
