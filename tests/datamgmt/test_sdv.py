"""Source data verification: a monitor verifies values, a whole form or a whole
participant-week in bulk; a later change clears the mark and the timeline says so;
progress per site and participant."""

import pytest
from django.utils import timezone

from diary.errors import AccessDenied
from diary.models import Participant, SdvMark
from diary.selectors.datamgmt import sdv_progress
from diary.selectors.scoping import participants_for
from diary.selectors.timeline import participant_timeline
from diary.services.calls import weekly_call_record
from diary.services.sdv import FormTarget, sdv_verify
from tests.datamgmt.conftest import call


def test_a_whole_participant_week_is_verified_at_once(participant, monitor):
    call(participant, 3)
    made = sdv_verify(participant=participant, by_user=monitor, weeks=[("intervention", 3)])
    # call date, reached, cramps, duration, severity, capsules missed, and where the
    # values came from (told by phone, or the electronic diary)
    assert made == 7
    assert set(SdvMark.objects.values_list("field", flat=True)) == {
        "call_date",
        "reached",
        "cramps",
        "duration_min",
        "severity",
        "capsules_missed",
        "source",
    }
    assert sdv_verify(participant=participant, by_user=monitor, weeks=[("intervention", 3)]) == 0


def test_a_form_or_chosen_values_are_verified(participant, monitor):
    diary_week = call(participant, 1)
    assert (
        sdv_verify(
            participant=participant,
            by_user=monitor,
            forms=[
                FormTarget("diary", diary_week.pk, ("cramps",)),
                FormTarget("participant", participant.pk),
            ],
        )
        > 1
    )
    assert SdvMark.objects.filter(record="diary").get().field == "cramps"


def test_a_change_clears_the_verification_and_the_timeline_says_so(participant, monitor, ra_c1):
    diary_week = call(participant, 2, cramps=2)
    sdv_verify(participant=participant, by_user=monitor, weeks=[("intervention", 2)])
    weekly_call_record(
        diary_week=diary_week,
        reached=True,
        call_date=diary_week.call_date,
        cramps=3,
        duration_min="1.5",
        severity="5",
        capsules_missed=0,
        reason="participant recounted",
        by_user=ra_c1,
    )
    cleared = SdvMark.objects.get(field="cramps")
    assert cleared.cleared_at is not None and cleared.cleared_by == ra_c1
    assert "cramps in the week changed from 2 to 3" in cleared.cleared_note
    assert SdvMark.objects.filter(cleared_at__isnull=True, field="severity").exists()
    timeline = participant_timeline(
        user=monitor, participant_id=participant.participant_id, on_date=timezone.localdate()
    )
    entry = next(e for e in timeline.history if e.kind == "verification cleared")
    assert "Intervention week 2" in entry.reason and "verify it again" in entry.reason


def test_only_a_monitor_of_the_site_verifies(participant, ra_c1, monitor_c2, coordinator):
    call(participant, 1)
    for user in (ra_c1, coordinator, monitor_c2):
        with pytest.raises(AccessDenied):
            sdv_verify(participant=participant, by_user=user, weeks=[("intervention", 1)])


def test_progress_by_site_and_participant(participant, monitor):
    call(participant, 1)
    sdv_verify(participant=participant, by_user=monitor, weeks=[("intervention", 1)])
    by_site, by_participant = sdv_progress(participants_for(monitor))
    [site] = by_site
    [row] = by_participant
    assert site.label == "C1" and row.label == "C1-101"
    assert row.verified == 7 and row.values > 7 and 0 < row.percent < 100
    assert Participant.objects.count() == 1
