"""Fill an empty, migrated database with a trial in progress, through the app's services:
the reference protocol, staff accounts, a randomization list and N participants at every
stage, whose past weeks are recorded and whose current weeks wait in the call queue.

    python -m tests.stack.seed --participants 12 --research-assistants 1

Run with the stack's environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, ALLOCATION_KEY).
Accounts take the password in SEED_PASSWORD. Dates are relative to today, so the queue
always has calls due today, overdue and coming up. Prints one JSON line describing what
it made (accounts and the open weeks, each with its research assistant).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import timedelta
from decimal import Decimal


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    django.setup()


def seed(*, participants: int, research_assistants: int, password: str, seed: int = 1) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from diary.models import Phase
    from diary.services.calls import weekly_call_record
    from diary.services.participants import participant_update
    from diary.services.randomization import participant_randomize
    from diary.services.randomization_list import randomization_list_generate
    from diary.services.screening import Consent, screening_record_create
    from diary.services.trial import trial_create_from_preset
    from diary.services.users import user_upsert

    rng = random.Random(seed)
    today = timezone.localdate()
    trial = trial_create_from_preset(name="vitk2-nlc-2024")
    sites = list(trial.sites.order_by("code"))
    codes = [s.code for s in sites]

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    users = get_user_model().objects
    # One hash for every account: hashing is slow on purpose, and there may be fifty.
    password_hash = make_password(password)

    def account(username: str, role: str, site_codes=()) -> str:
        user_upsert(
            username=username,
            role=role,
            site_codes=site_codes,
            password=None,
            email_required=False,
            via="stack seed",
        )
        users.filter(username=username).update(password=password_hash)
        return username

    staff = {
        "coordinator": account("coordinator", "coordinator"),
        "statistician": account("statistician", "statistician"),
        "unblinded": account("unblinded-statistician", "unblinded_statistician"),
    }
    # Research assistants split between the sites; ra-01 works at every site.
    ras = []
    for i in range(1, research_assistants + 1):
        site_codes = codes if i == 1 else [codes[(i - 1) % len(codes)]]
        ras.append(account(f"ra-{i:02d}", "research_assistant", site_codes))
    ra_all = users.get(username=ras[0])
    randomization_list_generate(
        trial=trial,
        bottles_per_stratum=participants + 10,
        seed=seed,
        by_user=users.get(username=staff["unblinded"]),
    )

    def week_values(phase: str) -> dict:
        cramps = rng.randint(2, 9) if phase == Phase.SCREENING else rng.randint(0, 8)
        values = {"cramps": cramps}
        if cramps:
            values["duration_min"] = Decimal(rng.randint(10, 200)) / 10
            values["severity"] = Decimal(rng.randint(20, 90)) / 10
        if phase == Phase.INTERVENTION:
            values["capsules_missed"] = rng.randint(0, 2)
        return values

    horizon = 7 * (trial.screening_weeks + trial.intervention_weeks) + 3
    open_weeks = []
    for n in range(participants):
        site = sites[n % len(sites)]
        consented_on = today - timedelta(days=15 + (n * 7919) % (horizon - 14))
        with transaction.atomic():
            record = screening_record_create(
                trial=trial,
                site=site,
                screening_id=f"S{n + 1:05d}",
                screened_on=consented_on,
                sex=rng.choice("FM"),
                age=rng.randint(65, 90),
                answers={c.code: c.kind == "inclusion" for c in trial.criteria.all()},
                consent=Consent(
                    participant_id=f"{site.code}-{n + 1:04d}",
                    consented_on=consented_on,
                    consent_form_version="v1.0",
                    phone="+44 20 7946 0000",
                ),
                by_user=ra_all,
            )
            participant = record.participant
            participant_update(
                participant=participant,
                changes={
                    "height_cm": Decimal(rng.randint(150, 190)),
                    "weight_kg": Decimal(rng.randint(50, 100)),
                    "hypertension": rng.random() < 0.4,
                    "diabetes": rng.random() < 0.2,
                    "creatinine_mg_dl": Decimal(rng.randint(60, 130)) / 100,
                },
                by_user=ra_all,
            )
            for week in participant.diary_weeks.select_related("protocol_week"):
                weekly_call_record(
                    diary_week=week,
                    reached=True,
                    call_date=week.due_date,
                    by_user=ra_all,
                    **week_values(Phase.SCREENING),
                )
            participant_randomize(
                participant=participant,
                by_user=ra_all,
                randomized_on=consented_on + timedelta(days=7 * trial.screening_weeks),
            )
            weeks = participant.diary_weeks.filter(
                protocol_week__phase=Phase.INTERVENTION
            ).select_related("protocol_week")
            for week in weeks:
                if week.due_date < today - timedelta(days=trial.call_window_days + 1):
                    weekly_call_record(
                        diary_week=week,
                        reached=True,
                        call_date=week.due_date,
                        by_user=ra_all,
                        **week_values(Phase.INTERVENTION),
                    )
                elif week.due_date <= today + timedelta(days=trial.call_window_days):
                    open_weeks.append(
                        {
                            "participant_id": participant.participant_id,
                            "site": site.code,
                            "phase": Phase.INTERVENTION,
                            "week": week.protocol_week.week,
                            "due_date": week.due_date.isoformat(),
                        }
                    )
    return {
        "trial": trial.code,
        "password_env": "SEED_PASSWORD",
        "staff": staff,
        "research_assistants": ras,
        "participants": participants,
        "open_weeks": open_weeks,
        "today": today.isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=12)
    parser.add_argument("--research-assistants", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    password = os.environ.get("SEED_PASSWORD")
    if not password:
        print("Set SEED_PASSWORD to the accounts' password.", file=sys.stderr)
        return 2
    _setup()
    made = seed(
        participants=args.participants,
        research_assistants=args.research_assistants,
        password=password,
        seed=args.seed,
    )
    print(json.dumps(made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
