"""python manage.py demo_day [--today YYYY-MM-DD] [--participants N] [--seed N]

A trial in progress for trying the working day: the reference protocol simulated
(no difference between the arms) and cut at today, entered through the app's
services, with the demo accounts. Until one server holds several trials it lives
in a database of its own: `make demo-day` runs it on var/demo-day.sqlite3.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from diary.errors import TrialError
from diary.models import Participant, Query
from diary.selectors.scoping import diary_weeks_for
from diary.selectors.trial import trial_or_none
from diary.services.queries import query_raise
from diary.simulation import plan_null_trial
from diary.simulation.in_progress import plan_in_progress
from diary.simulation.runner import plan_run

DEFAULT_PARTICIPANTS = 120
DEFAULT_SEED = 7


class Command(BaseCommand):
    help = (
        "Set up a trial in progress (screening, calls due today and overdue, bottles left, "
        "an ongoing adverse event, an open query) with the demo accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the trial's data stand at (default: today). The app itself "
            "always works on the real date: an earlier day leaves the calls since overdue.",
        )
        parser.add_argument("--participants", type=int, default=DEFAULT_PARTICIPANTS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, today, participants, seed, **options):
        if not settings.DEBUG:
            # Checked before anything is written: the demo's trial and accounts are invented.
            raise CommandError("The demo is for local use only (DJANGO_DEBUG is off).")
        asked = today
        today = today or timezone.localdate()
        if today > timezone.localdate():
            raise CommandError("--today: a trial cannot stand at a day still to come.")
        if participants < 10:
            raise CommandError("--participants must be at least 10.")
        call_command("migrate", interactive=False, verbosity=0)
        trial = trial_or_none()
        if trial is not None and Participant.objects.filter(trial=trial).exists():
            self.stdout.write(
                f"Trial {trial.code} already holds data "
                f"({Participant.objects.filter(trial=trial).count()} participants); kept as is. "
                "Its calls fall due as the days pass; for a fresh day, delete this database "
                "(make demo-day does) and run demo_day again."
            )
            if asked is not None:
                self.stdout.write(self.style.WARNING("--today is ignored: the trial is kept."))
        else:
            plan = plan_in_progress(
                plan_null_trial(seed=seed, participants=participants), today=today
            )
            try:
                result = plan_run(plan=plan)
            except TrialError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Trial {result.trial.code} in progress on {today}:")
            for name, count in result.rows.items():
                self.stdout.write(f"  {name}: {count:,}")
        call_command("demo_users", stdout=self.stdout)
        self._open_query()

    def _open_query(self) -> None:
        """A question of the demo monitor on the latest call at their site."""
        monitor = get_user_model().objects.filter(username="monitor").first()
        if monitor is None or Query.objects.exists():
            return
        week = diary_weeks_for(monitor).filter(reached=True).order_by("-call_date", "pk").first()
        if week is None:
            return
        query_raise(
            record="diary",
            object_id=week.pk,
            field="cramps",
            text="The count differs from the participant's paper diary; please check.",
            by_user=monitor,
        )
        self.stdout.write(f"  an open query on {week.participant.participant_id}'s cramps")
