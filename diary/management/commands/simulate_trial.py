"""python manage.py simulate_trial --preset vitk2-nlc-2024|null|scale [--seed N]
[--participants N] [--electronic-diary] [--user NAME]

Fills an empty database with a simulated trial on the reference protocol (the
trial is configured from the vitk2-nlc-2024 preset when none is).
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from diary.errors import TrialError
from diary.package.problems import PackageRefused
from diary.simulation import plan_null_trial, plan_reference_trial, plan_scale_trial
from diary.simulation.runner import plan_import, plan_run, plan_steps

REFERENCE, NULL, SCALE = "vitk2-nlc-2024", "null", "scale"
DEFAULT_SEEDS = {REFERENCE: 2024, NULL: 0, SCALE: 0}
DEFAULT_PARTICIPANTS = {NULL: 199, SCALE: 10_000}

HELP = """Simulate a trial on the reference protocol into an empty database.

Presets:
  vitk2-nlc-2024  the reference trial (310 screened, 199 randomized), calibrated so
                  that its ITT report reproduces every figure the paper publishes;
  null            the same design with no difference between the arms
                  (--participants, default 199);
  scale           a large trial for benchmarks (--participants, default 10,000).

vitk2-nlc-2024 and null are entered through the app's own services, as staff
would enter a real trial: the unblinded statistician imports the randomization
list (plus a reserve of spare bottles), then every screening, consent, baseline
entry, weekly call (not-reached calls too), randomization, withdrawal and adverse
event goes through the same validation and audit trail as the web app. scale is
written as a data package and loaded with the package import (validated as a
whole, then written in bulk), since entering 100,000 participants call by call
would take hours. A database whose trial already holds data is refused."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--preset", required=True, choices=(REFERENCE, NULL, SCALE))
        parser.add_argument(
            "--seed",
            type=int,
            help="Random seed of the simulation (default: 2024 for vitk2-nlc-2024, else 0).",
        )
        parser.add_argument(
            "--participants",
            type=int,
            help="Participants randomized (null: default 199; scale: default 10,000).",
        )
        parser.add_argument(
            "--electronic-diary",
            action="store_true",
            help="The participants keep the electronic diary: each week's nights are entered "
            "as they would enter them, and each reached call confirms the week derived from "
            "them (the same figures).",
        )
        parser.add_argument(
            "--user",
            help="A coordinator account to record the data entry under (default: the system).",
        )

    def handle(self, *args, preset, seed, participants, user, electronic_diary, **options):
        if seed is None:
            seed = DEFAULT_SEEDS[preset]
        if preset == REFERENCE and participants is not None:
            raise CommandError(
                "The reference trial has its own size; --participants is for null/scale."
            )
        if electronic_diary and preset == SCALE:
            raise CommandError("--electronic-diary is for the trials entered through the services.")
        if participants is not None and participants < 2:
            raise CommandError("--participants must be at least 2.")
        by_user = self._user(user)
        started = time.perf_counter()
        plan = self._plan(preset, seed, participants)
        self.stdout.write(
            f"Simulated {plan.preset} (seed {seed}): {len(plan.screening):,} screened, "
            f"{len(plan.participants):,} randomized, {len(plan.diary):,} diary rows."
        )
        try:
            if preset == SCALE:
                self.stdout.write("Loading it with the data package import (bulk)...")
                result = plan_import(plan=plan, by_user=by_user)
            else:
                with tqdm(
                    total=plan_steps(plan), desc="Entering", unit=" steps", disable=None
                ) as bar:
                    result = plan_run(
                        plan=plan,
                        by_user=by_user,
                        progress=bar.update,
                        electronic_diary=electronic_diary,
                    )
        except PackageRefused as refused:
            for problem in refused.problems[:20]:
                self.stderr.write(str(problem))
            raise CommandError(refused.message) from None
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Trial {result.trial.code} filled through the {result.route} in {seconds:.1f} s:"
            )
        )
        for name, count in result.rows.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(f"  randomization list fingerprint (sha256): {result.list_sha256}")

    def _plan(self, preset, seed, participants):
        if preset == REFERENCE:
            return plan_reference_trial(seed=seed)
        size = participants or DEFAULT_PARTICIPANTS[preset]
        if preset == NULL:
            return plan_null_trial(seed=seed, participants=size)
        return plan_scale_trial(seed=seed, participants=size)

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
