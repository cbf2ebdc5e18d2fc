"""The reference trial entered once per test session by the README's main command
(`manage.py demo`, which runs `simulate_trial --preset vitk2-nlc-2024`), inside a
transaction rolled back at the end, so other tests still start from an empty
database. What the tests need is collected while the data are there.

Django is imported inside the fixture: the pure tests of this folder also run
with `-p no:django`.
"""

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class ReferenceRun:
    report: dict  # unblinded, arm-week mean imputation, built from the loaded dataset
    dataset_sites: int
    dataset_arm_ratios: dict[str, int]
    demo_stdout: str
    demo_folder: Path
    html: bytes  # the demo's HTML report
    facts: dict = field(default_factory=dict)  # what the database held


@pytest.fixture(scope="session")
def reference_run(django_db_setup, django_db_blocker, tmp_path_factory) -> ReferenceRun:
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    from analysis.loader import itt_dataset
    from analysis.report import build_report
    from diary.selectors.trial import current_trial

    _ensure_test_database()
    scratch = tmp_path_factory.mktemp("reference-run")
    folder = scratch / "demo-report"
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=str(scratch / "media")),
        transaction.atomic(),
    ):
        call_command("demo", output=folder, stdout=out)
        trial = current_trial()
        dataset = itt_dataset(trial=trial)
        report = build_report(dataset, imputation="arm_week_mean", view="unblinded")
        run = ReferenceRun(
            report=report,
            dataset_sites=len(dataset.sites),
            dataset_arm_ratios=dict(zip(dataset.arms["code"], dataset.arms["ratio"], strict=True)),
            demo_stdout=out.getvalue(),
            demo_folder=folder,
            html=(folder / "itt-report.html").read_bytes(),
            facts=_facts(trial),
        )
        transaction.set_rollback(True)
    return run


@pytest.fixture(scope="session")
def electronic_diary_run(django_db_setup, django_db_blocker) -> ReferenceRun:
    """The reference trial entered with the electronic diary (`simulate_trial
    --electronic-diary`): each week's nights entered as the participant would, each
    reached call confirming the week derived from them; rolled back afterwards."""
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count

    from analysis.loader import itt_dataset
    from analysis.report import build_report
    from diary.models import CrampEvent, DiaryWeek, Night
    from diary.selectors.trial import current_trial

    _ensure_test_database()
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("simulate_trial", preset="vitk2-nlc-2024", electronic_diary=True, stdout=out)
        trial = current_trial()
        dataset = itt_dataset(trial=trial)
        run = ReferenceRun(
            report=build_report(dataset, imputation="arm_week_mean", view="unblinded"),
            dataset_sites=len(dataset.sites),
            dataset_arm_ratios=dict(zip(dataset.arms["code"], dataset.arms["ratio"], strict=True)),
            demo_stdout=out.getvalue(),
            demo_folder=Path(),
            html=b"",
            facts={
                "nights": Night.objects.count(),
                "cramps": CrampEvent.objects.count(),
                "dataset_nights": len(dataset.nights),
                "sources": dict(
                    DiaryWeek.objects.filter(reached=True)
                    .order_by()
                    .values_list("source")
                    .annotate(n=Count("pk"))
                ),
            },
        )
        transaction.set_rollback(True)
    return run


def _ensure_test_database() -> None:
    """pytest-django sets the test database up only for tests marked django_db (or
    using `db`); a module using `reference_run` without the mark would reach the
    developer's own database. Refuse rather than write there."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if not (name.startswith(("file:memorydb", ":memory:")) or Path(name).name.startswith("test")):
        raise RuntimeError(
            f"reference_run needs the test database (mark the test module django_db); got {name}"
        )


def _facts(trial) -> dict:
    """What went into the database, read back for the tests of the runner."""
    from diary.crypto import open_arm
    from diary.models import Allocation, DiaryWeek, Participant, ScreeningRecord

    randomization_list = trial.randomization_list
    entries = list(randomization_list.entries.order_by("bottle_number"))
    return {
        "screening_eligible_decided": ScreeningRecord.objects.filter(
            trial=trial, eligible__isnull=False
        ).count(),
        "screening_reasons": dict(
            ScreeningRecord.objects.filter(trial=trial).values_list("screening_id", "reason")
        ),
        "list_source": randomization_list.source,
        "list_sha256": randomization_list.sha256,
        "list_frozen": randomization_list.frozen_at is not None,
        "list": [(e.bottle_number, open_arm(e.arm_sealed), e.is_spare) for e in entries],
        "allocations": dict(
            Allocation.objects.filter(
                participant__trial=trial, kind=Allocation.Kind.RANDOMIZATION
            ).values_list("participant__participant_id", "list_entry__bottle_number")
        ),
        "randomization_history": Participant.history.filter(
            trial_id=trial.pk, history_change_reason="randomization"
        ).count(),
        "not_reached": sorted(
            DiaryWeek.objects.filter(participant__trial=trial, reached=False).values_list(
                "participant__participant_id",
                "protocol_week__phase",
                "protocol_week__week",
                "attempts",
            )
        ),
        "open_weeks_of_withdrawn": sorted(
            DiaryWeek.objects.filter(
                participant__trial=trial,
                participant__withdrawn_on__isnull=False,
                reached__isnull=True,
            ).values_list("participant__participant_id", "protocol_week__week")
        ),
        "weeks_called": DiaryWeek.objects.filter(
            participant__trial=trial, reached__isnull=False
        ).count(),
    }
