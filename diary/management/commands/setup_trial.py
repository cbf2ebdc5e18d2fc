"""python manage.py setup_trial --preset NAME: configure this database's trial."""

from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.presets import PRESETS
from diary.selectors.trial import trial_or_none
from diary.services.trial import trial_create_from_preset


class Command(BaseCommand):
    help = "Configure the trial from a preset protocol (does nothing if it is already there)."

    def add_arguments(self, parser):
        parser.add_argument("--preset", default="vitk2-nlc-2024", choices=sorted(PRESETS))

    def handle(self, *args, preset, **options):
        existing = trial_or_none()
        if existing is not None:
            if existing.code != PRESETS[preset]["code"]:
                raise CommandError(f"This database already holds another trial ({existing.code}).")
            self.stdout.write(f"Trial {existing.code} is already configured.")
            return
        try:
            trial = trial_create_from_preset(name=preset)
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Configured trial {trial.code}: {trial.title}"))
