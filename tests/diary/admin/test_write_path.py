"""Every admin door to a clinical record goes through its service: history revert is
not offered, change forms are checked and saved by the services (reason, lock,
rules, version), inlines are read-only, and no bulk action changes a record."""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.admin.audit import HistoryAdmin, ServiceAdmin
from diary.models import AdverseEvent, DiaryWeek, Participant, ScreeningRecord, Trial
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.participants import participant_update
from diary.services.randomization import participant_randomize
from tests.factories import make_list, ready_to_randomize

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


@pytest.fixture
def randomized(trial, site_c1, coordinator):
    make_list(trial)
    participant = ready_to_randomize(trial, site_c1, participant_id="C1-001")
    participant_update(
        participant=participant,
        changes={"height_cm": 165, "hypertension": False},
        by_user=coordinator,
    )
    participant = participant_randomize(
        participant=participant, by_user=coordinator, randomized_on=date(2023, 1, 20)
    )
    week = participant.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    weekly_call_record(
        diary_week=week,
        reached=True,
        call_date=date(2023, 1, 27),
        cramps=8,
        duration_min="1.5",
        severity="4",
        capsules_missed=0,
        by_user=coordinator,
    )
    adverse_event_record(
        participant=participant,
        onset_on=date(2023, 1, 25),
        term="Headache",
        serious=False,
        grade="mild",
        relatedness="unlikely",
        by_user=coordinator,
    )
    participant.refresh_from_db()
    return participant


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=(obj.pk,))


def form_data(client, obj, **changes) -> dict:
    """The change form's data as a browser would post it, with `changes` applied."""
    response = client.get(change_url(obj))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items()}


def snapshot(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


# -- history revert -------------------------------------------------------------------


def test_history_revert_of_a_randomized_participant_is_refused(coordinator_client, randomized):
    first = randomized.history.order_by("history_date").first()
    url = reverse("admin:diary_participant_simple_history", args=(randomized.pk, first.history_id))
    before = snapshot(randomized)
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert "Revert" not in page.content.decode()
    response = coordinator_client.post(url, form_data(coordinator_client, randomized))
    assert response.status_code == 403
    assert snapshot(randomized) == before
    assert randomized.history.count() == Participant.history.filter(id=randomized.pk).count()


def test_no_model_with_history_in_the_admin_offers_a_revert():
    with_history = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if hasattr(model, "history")
    ]
    assert with_history
    for model, model_admin in with_history:
        assert isinstance(model_admin, HistoryAdmin), model


# -- the change forms go through the services -----------------------------------------


def clinical_changes(randomized):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    event = AdverseEvent.objects.get(participant=randomized)
    screening = ScreeningRecord.objects.get(participant=randomized)
    return [
        (randomized, {"height_cm": "170.0", "change_reason": "remeasured"}),
        (week, {"cramps": "302", "change_reason": "typo"}),
        (event, {"grade": "severe", "change_reason": "regraded"}),
        (screening, {"age": "71", "change_reason": "typo"}),
    ]


def test_every_clinical_change_form_is_refused_once_the_trial_is_locked(
    coordinator_client, randomized
):
    changes = clinical_changes(randomized)
    Trial.objects.update(locked_at=timezone.now())
    for obj, values in changes:
        before = snapshot(obj)
        data = form_data(coordinator_client, obj, **values)
        response = coordinator_client.post(change_url(obj), data)
        assert response.status_code == 200, obj  # the form again, with the refusal
        assert "locked" in response.content.decode(), obj
        assert snapshot(obj) == before, obj


def test_every_clinical_model_admin_writes_through_its_service():
    for model in (Participant, ScreeningRecord, DiaryWeek, AdverseEvent):
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ServiceAdmin), model
        assert not model_admin.has_add_permission(None)
        assert not model_admin.has_delete_permission(None)


def test_a_correction_in_the_admin_needs_a_reason_and_is_saved_by_the_service(
    coordinator_client, randomized, coordinator
):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    refused = coordinator_client.post(
        change_url(week), form_data(coordinator_client, week, cramps="9")
    )
    assert refused.status_code == 200
    assert "reason is required" in refused.content.decode()
    week.refresh_from_db()
    assert week.cramps == 8
    saved = coordinator_client.post(
        change_url(week),
        form_data(coordinator_client, week, cramps="9", change_reason="recount"),
    )
    assert saved.status_code == 302
    week.refresh_from_db()
    assert week.cramps == 9
    latest = week.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("recount", coordinator)


def test_a_recorded_zero_or_no_is_corrected_only_with_a_reason_in_the_admin(
    coordinator_client, randomized
):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    data = form_data(coordinator_client, week, capsules_missed="2")
    assert "reason is required" in coordinator_client.post(change_url(week), data).content.decode()
    data = form_data(coordinator_client, randomized, hypertension="true")
    response = coordinator_client.post(change_url(randomized), data)
    assert "reason is required" in response.content.decode()
    randomized.refresh_from_db()
    assert randomized.hypertension is False


def test_reached_unknown_with_values_is_refused_by_the_admin_form(coordinator_client, randomized):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    data = form_data(coordinator_client, week, reached="unknown", change_reason="unsure")
    response = coordinator_client.post(change_url(week), data)
    assert response.status_code == 200
    assert "reached" in response.context["adminform"].form.errors
    week.refresh_from_db()
    assert week.reached is True and week.cramps == 8


def test_bookkeeping_values_are_never_editable_in_the_admin(coordinator_client, randomized):
    form = coordinator_client.get(change_url(randomized)).context["adminform"].form
    for name in (
        "randomized_on",
        "bottle_number",
        "withdrawn_on",
        "withdrawal_reason",
        "treatment_stopped_on",
        "consented_on",
        "participant_id",
    ):
        assert name not in form.fields, name
    data = form_data(
        coordinator_client,
        randomized,
        randomized_on="",
        bottle_number="",
        change_reason="try",
    )
    coordinator_client.post(change_url(randomized), data)
    randomized.refresh_from_db()
    assert randomized.bottle_number is not None and randomized.randomized_on is not None


def test_inline_rows_are_read_only(coordinator_client, randomized):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    data = form_data(coordinator_client, randomized, change_reason="try")
    data.update({"diary_weeks-0-id": str(week.pk), "diary_weeks-0-cramps": "302"})
    coordinator_client.post(change_url(randomized), data)
    week.refresh_from_db()
    assert week.cramps == 8


def test_no_bulk_action_is_offered_on_clinical_records(coordinator_client, randomized):
    for model in (Participant, ScreeningRecord, DiaryWeek, AdverseEvent):
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        page = coordinator_client.get(url)
        assert page.status_code == 200
        assert 'name="action"' not in page.content.decode(), model
        before = model.objects.count()
        coordinator_client.post(
            url,
            {
                "action": "delete_selected",
                "_selected_action": list(model.objects.values_list("pk", flat=True)),
                "post": "yes",
            },
        )
        assert model.objects.count() == before


def test_a_stale_admin_form_is_refused_showing_the_current_values(
    coordinator_client, randomized, coordinator
):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    opened = form_data(coordinator_client, week, cramps="9", change_reason="recount")
    weekly_call_record(
        diary_week=week,
        reached=True,
        call_date=week.call_date,
        cramps=10,
        duration_min="1.5",
        severity="4",
        capsules_missed=0,
        by_user=coordinator,
        reason="other recount",
    )
    response = coordinator_client.post(change_url(week), opened)
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed by someone else" in page and "cramps 10" in page
    week.refresh_from_db()
    assert week.cramps == 10


def test_serious_event_made_in_the_admin_is_alerted(
    coordinator_client, randomized, django_capture_on_commit_callbacks, mailoutbox, coordinator
):
    coordinator.email = "coordinator@example.org"
    coordinator.save()
    event = AdverseEvent.objects.get(participant=randomized)
    data = form_data(coordinator_client, event, serious="on", change_reason="hospitalised")
    with django_capture_on_commit_callbacks(execute=True):
        assert coordinator_client.post(change_url(event), data).status_code == 302
    assert any("Serious adverse event" in m.subject for m in mailoutbox)


def test_days_are_checked_against_other_records_in_the_admin(coordinator_client, randomized):
    event = AdverseEvent.objects.get(participant=randomized)
    before = randomized.consented_on - timedelta(days=3)
    data = form_data(coordinator_client, event, onset_on=before.isoformat(), change_reason="x")
    response = coordinator_client.post(change_url(event), data)
    assert "before consent" in response.content.decode()
    event.refresh_from_db()
    assert event.onset_on == date(2023, 1, 25)


# -- the admin in the trial's language ------------------------------------------------


def test_history_shows_labels_display_values_and_who(coordinator_client, randomized, coordinator):
    url = reverse("admin:diary_participant_history", args=(randomized.pk,))
    page = coordinator_client.get(url).content.decode()
    assert "Hypertension" in page and "Height" in page
    assert "None &rarr;" not in page and "False" not in page
    assert coordinator.get_username() in page
    assert "Version" not in page


def test_records_are_named_as_staff_name_them(randomized):
    week = randomized.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=2)
    assert str(week) == "C1-001 · Intervention week 2"


def test_the_admin_has_a_favicon(coordinator_client):
    page = coordinator_client.get(reverse("admin:index")).content.decode()
    assert "favicon.svg" in page
    assert coordinator_client.get("/favicon.ico").status_code == 301
