"""The weekly progress report: figures checked against a hand-worked small trial,
stored and emailed once, nothing by arm."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from diary.models import AdverseEvent, DiaryWeek, ExportRun, Phase, ScreeningRecord
from diary.selectors.progress import Calls, progress_report
from diary.services.calls import diary_weeks_schedule
from diary.services.progress import progress_report_scheduled
from diary.tasks import weekly_progress_report
from tests.exports.conftest import arm_words, staff
from tests.factories import enrol

pytestmark = pytest.mark.django_db

ON = date(2023, 2, 6)  # a Monday; "this week" is 31 January to 6 February
BASELINE = {
    "height_cm": Decimal("170.0"),
    "weight_kg": Decimal("70.0"),
    "hypertension": False,
    "diabetes": False,
    "creatinine_mg_dl": Decimal("0.90"),
}


def _week(participant, phase, number):
    return DiaryWeek.objects.get(
        participant=participant, protocol_week__phase=phase, protocol_week__week=number
    )


def _call(participant, phase, number, *, on, reached=True):
    week = _week(participant, phase, number)
    week.call_date, week.attempts, week.reached = on, 1, reached
    if reached:
        week.cramps = 0
    week.save()


@pytest.fixture
def small_trial(trial, site_c1, site_c2):
    """C1: A (randomized 16 Jan; calls in window, late, early, missed, open) and B
    (withdrawn before any call); C2: C (one open call) and a declined candidate."""
    a = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001", **BASELINE)
    a.randomized_on, a.bottle_number = date(2023, 1, 16), 5
    a.save()
    diary_weeks_schedule(participant=a, phase=Phase.INTERVENTION, start=a.randomized_on)
    _call(a, "screening", 1, on=date(2023, 1, 9))  # due 9 Jan: in window
    _call(a, "screening", 2, on=date(2023, 1, 20))  # due 16 Jan, window to 18 Jan: late
    _call(a, "intervention", 1, on=date(2023, 1, 20))  # due 23 Jan, window from 21: early
    _call(a, "intervention", 2, on=date(2023, 1, 31), reached=False)  # due 30 Jan: missed
    b = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-002")
    b.withdrawn_on, b.withdrawal_reason = date(2023, 1, 5), "Changed her mind"
    b.save()
    enrol(trial, site_c2, screened_on=date(2023, 1, 30), participant_id="C2-001")
    ScreeningRecord.objects.create(
        trial=trial,
        site=site_c2,
        screening_id="X1",
        screened_on=date(2023, 1, 30),
        sex="M",
        age=70,
        answers={},
        eligible=True,
        outcome="declined",
        reason="No time",
    )
    reported = timezone.make_aware(datetime(2023, 2, 3, 10, 0))
    for term, serious, onset in [("Nausea", False, 25), ("Fall, hip fracture", True, 31)]:
        event = AdverseEvent.objects.create(
            participant=a,
            onset_on=date(2023, 1, onset) if onset < 31 else date(2023, 1, 31),
            term=term,
            serious=serious,
            grade="severe" if serious else "mild",
            relatedness="unrelated",
        )
        AdverseEvent.objects.filter(pk=event.pk).update(
            created_at=reported if serious else timezone.make_aware(datetime(2023, 1, 26))
        )
    return trial


def test_figures_by_site_match_the_hand_count(small_trial):
    report = progress_report(trial=small_trial, on_date=ON)
    enrolment = {e.site_code: e for e in report.enrolment}
    assert (enrolment["C1"].screened, enrolment["C1"].enrolled, enrolment["C1"].randomized) == (
        2,
        2,
        1,
    )
    assert enrolment["C1"].percent_of_target == 1.0
    assert (enrolment["C2"].screened, enrolment["C2"].enrolled, enrolment["C2"].randomized) == (
        2,
        1,
        0,
    )
    total = report.enrolment_total
    assert (total.screened, total.enrolled, total.randomized, total.target) == (4, 3, 1, 200)
    assert total.percent_of_target == 0.5

    assert report.call_totals == {
        "C1": Calls(in_window=1, late=1, early=1, missed=1, open=1),
        "C2": Calls(open=1),
    }
    weeks = {(w.site_code, w.label): w.calls for w in report.call_weeks}
    assert weeks == {
        ("C1", "2023-W02"): Calls(in_window=1),
        ("C1", "2023-W03"): Calls(late=1),
        ("C1", "2023-W04"): Calls(early=1),
        ("C1", "2023-W05"): Calls(missed=1),
        ("C1", "2023-W06"): Calls(open=1),
        ("C2", "2023-W06"): Calls(open=1),
    }
    overdue = {o.site_code: (o.participant_ids, o.calls) for o in report.overdue}
    assert overdue == {"C1": (["C1-001"], 1), "C2": ([], 0)}
    safety = {s.site_code: s for s in report.safety}
    c1 = safety["C1"]
    assert (c1.withdrawals, c1.withdrawals_recent) == (1, 0)
    assert (c1.adverse_events, c1.serious, c1.adverse_events_recent, c1.serious_recent) == (
        2,
        1,
        1,
        1,
    )
    assert safety["C2"].adverse_events == 0
    [sae] = report.serious_recent
    assert (sae.participant_id, sae.term) == ("C1-001", "Fall, hip fracture")
    completeness = {c.site_code: c for c in report.completeness}
    assert (completeness["C1"].weeks_expected, completeness["C1"].weeks_reached) == (4, 3)
    assert completeness["C1"].weeks_percent == 75.0
    assert (completeness["C1"].randomized, completeness["C1"].baseline_complete) == (1, 1)
    assert completeness["C2"].weeks_percent is None


def test_the_report_is_stored_and_emailed_once_to_the_coordinators(small_trial):
    staff("coordinator")
    staff("coordinator", username="second-coordinator")
    staff("statistician")
    staff("investigator", "C1")
    run = progress_report_scheduled(
        schedule="Weekly progress report", period="2023-W06", on_date=ON
    )
    assert run.status == ExportRun.Status.DONE, run.error
    assert (run.kind, run.unblinded, run.requester) == (
        "progress",
        False,
        "schedule:Weekly progress report",
    )
    [stored] = run.files.all()
    html = (Path(settings.MEDIA_ROOT) / stored.file.name).read_text()
    assert "Enrolment by site" in html and "C1-001" in html and "75.0" in html
    [email] = mail.outbox
    assert sorted(email.to) == ["coordinator-all@trial.test", "second-coordinator@trial.test"]
    assert email.subject == "[VITK2-NLC] Weekly progress report, 2023-02-06"
    [(body, kind)] = email.alternatives
    assert kind == "text/html" and body == html

    again = progress_report_scheduled(
        schedule="Weekly progress report", period="2023-W06", on_date=ON
    )
    assert again.pk == run.pk and again.files.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_in_the_report_is_by_arm(small_trial):
    staff("coordinator")
    run = progress_report_scheduled(schedule="Weekly", period="2023-W06", on_date=ON)
    html = (Path(settings.MEDIA_ROOT) / run.files.get().file.name).read_text()
    text = html + mail.outbox[0].body
    for word in arm_words(small_trial):
        assert word.lower() not in text.lower()
    assert "bottle" not in text.lower()


def test_the_weekly_task_run_twice_stores_and_sends_once(small_trial):
    staff("coordinator")
    headers = {"periodic_task_name": "Weekly progress report (blinded)"}
    assert weekly_progress_report.apply_async(headers=headers).get() == "done"
    assert weekly_progress_report.apply_async(headers=headers).get() == "done"
    run = ExportRun.objects.get()
    year, week, _ = timezone.localdate().isocalendar()
    assert run.run_key == f"progress:Weekly progress report (blinded)@{year}-W{week:02d}"
    assert run.schedule == "Weekly progress report (blinded)"
    assert len(mail.outbox) == 1
