"""Data management in the web app: a query's life through the pages, the participant
page marking queried values, the site's queue, verifying in bulk on the casebook page,
signing with the password again (limited like a login), locking."""

import pytest
from django.test import Client

from diary.models import Query, SdvMark, Signature
from tests.datamgmt.conftest import PASSWORD, call


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_querys_full_life_through_the_pages(participant, monitor, ra_c1, coordinator):
    diary_week = call(participant, 1, severity="6")
    pid = participant.participant_id
    monitor_client, ra_client = signed_in(monitor), signed_in(ra_c1)
    form = monitor_client.get(
        f"/participants/{pid}/queries/new/?record=diary&id={diary_week.pk}&value=severity"
    )
    assert form.status_code == 200 and "Raise a query" in form.content.decode()
    raised = monitor_client.post(
        f"/participants/{pid}/queries/new/",
        {"record": "diary", "id": diary_week.pk, "value": "severity", "text": "Check the card."},
    )
    assert raised.status_code == 302
    query = Query.objects.get()

    page = ra_client.get(f"/participants/{pid}/").content.decode()
    assert f'href="/queries/{query.pk}/"' in page and "query-mark open" in page
    queue = ra_client.get("/calls/").content.decode()
    assert "Open queries (1)" in queue and "Check the card." in queue

    answered = ra_client.post(
        f"/queries/{query.pk}/",
        {
            "action": "answer",
            "answer-text": "The card says 7.",
            "answer-correct": "on",
            "answer-new_value": "7",
            "answer-reason": "transcription error",
            "answer-version": 1,
        },
    )
    assert answered.status_code == 302, answered.content.decode()[:2000]
    diary_week.refresh_from_db()
    assert str(diary_week.severity) == "7.00"
    closed = monitor_client.post(
        f"/queries/{query.pk}/", {"action": "close", "close-text": "Thanks", "close-version": 2}
    )
    assert closed.status_code == 302
    query.refresh_from_db()
    assert query.state == "closed"
    detail = signed_in(coordinator).get(f"/queries/{query.pk}/").content.decode()
    assert "Corrected severity: 6 → 7 (transcription error)" in detail
    assert "Re-open the query" in detail


def test_the_site_staff_cannot_raise_or_close(participant, ra_c1, monitor):
    diary_week = call(participant, 1)
    client = signed_in(ra_c1)
    url = f"/participants/{participant.participant_id}/queries/new/?record=diary&id={diary_week.pk}"
    assert client.get(url).status_code == 403


def test_a_monitor_verifies_a_week_in_bulk_on_the_casebook_page(participant, monitor):
    call(participant, 3)
    client = signed_in(monitor)
    url = f"/participants/{participant.participant_id}/casebook/"
    page = client.get(url).content.decode()
    assert "Verify the whole week" in page
    from diary.selectors.datamgmt import signature_state

    version = signature_state(participant).version
    response = client.post(url + "verify/", {"version": version, "week": "intervention:3"})
    assert response.status_code == 302
    assert SdvMark.objects.count() == 7
    assert "7 of 7 verified" in client.get(url).content.decode()


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def _sign(client, participant, password):
    return client.post(
        f"/participants/{participant.participant_id}/casebook/sign/",
        {"confirm": "on", "password": password, "version": 1},
        REMOTE_ADDR="198.51.100.7",
    )


def test_signing_needs_the_password_and_guesses_are_limited_like_logins(
    axes_on, participant, investigator
):
    client = signed_in(investigator)
    statuses = [_sign(client, participant, f"guess-{n}").status_code for n in range(6)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
    response = _sign(client, participant, PASSWORD)
    assert response.status_code == 429  # locked: even the right password is refused
    assert not Signature.objects.exists()


def test_an_investigator_signs_and_a_change_shows_the_signature_invalid(
    participant, investigator, ra_c1, coordinator
):
    diary_week = call(participant, 1)
    client = signed_in(investigator)
    page = client.get(f"/participants/{participant.participant_id}/casebook/sign/")
    assert "I have reviewed these data and they are accurate." in page.content.decode()
    from diary.selectors.datamgmt import signature_state

    version = signature_state(participant).version
    signed = client.post(
        f"/participants/{participant.participant_id}/casebook/sign/",
        {"confirm": "on", "password": PASSWORD, "version": version},
    )
    assert signed.status_code == 302
    casebook = client.get(f"/participants/{participant.participant_id}/casebook/").content.decode()
    assert "Signed by <strong>Ivana Investigator</strong>" in casebook
    lock = signed_in(coordinator).post(
        f"/participants/{participant.participant_id}/casebook/lock/",
        {"action": "lock", "lock-version": signature_state(participant).version},
    )
    assert lock.status_code == 302
    refused = signed_in(ra_c1).post(
        f"/participants/{participant.participant_id}/weeks/intervention/1/",
        {
            "reached": "yes",
            "call_date": diary_week.call_date.isoformat(),
            "cramps": "5",
            "duration_min": "1.5",
            "severity": "5",
            "capsules_missed": "0",
            "new_health_problem": "no",
            "reason": "recount",
            "version": diary_week.version,
        },
    )
    assert "is locked" in refused.content.decode()
    signed_in(coordinator).post(
        f"/participants/{participant.participant_id}/casebook/lock/",
        {
            "action": "unlock",
            "unlock-reason": "recount",
            "unlock-version": signature_state(participant).version,
        },
    )
    from diary.services.calls import weekly_call_record

    weekly_call_record(
        diary_week=diary_week,
        reached=True,
        call_date=diary_week.call_date,
        cramps=5,
        duration_min="1.5",
        severity="5",
        capsules_missed=0,
        reason="recount",
        by_user=ra_c1,
    )
    casebook = client.get(f"/participants/{participant.participant_id}/casebook/").content.decode()
    assert "Signature invalid:" in casebook and "A new signature is needed." in casebook
    detail = client.get(f"/participants/{participant.participant_id}/").content.decode()
    assert "Signature invalid" in detail and "Signature invalidated by a change" in detail


def test_the_progress_report_and_the_admin_count_queries_as_the_pages_do(
    participant, monitor, coordinator, ra_c1
):
    from django.utils import timezone

    from diary.exports.progress import progress_report_html
    from diary.selectors.progress import progress_report
    from diary.services.queries import query_answer, query_raise

    diary_week = call(participant, 1)
    for field in ("cramps", "severity"):
        query_raise(record="diary", object_id=diary_week.pk, field=field, text="?", by_user=monitor)
    query_answer(query=Query.objects.first(), text="ok", by_user=ra_c1)
    report = progress_report(trial=participant.trial, on_date=timezone.localdate())
    c1 = report.queries.by_site["C1"]
    assert (c1.open, c1.answered, c1.closed) == (1, 1, 0)
    html = progress_report_html(report).decode()
    assert "Queries by site" in html
    admin = signed_in(coordinator).get("/admin/diary/query/").content.decode()
    assert "Queries: 1 open, 1 answered, 0 closed (C1: 1 open, 1 answered, 0 closed" in admin
    listing = signed_in(monitor).get("/queries/?state=all").content.decode()
    assert listing.count('class="status open"') == 1
    assert listing.count('class="status answered"') == 1


def test_the_sdv_page_keeps_the_header_naming_the_monitors_site(monitor, participant):
    page = signed_in(monitor).get("/sdv/").content.decode()
    assert '<span class="sites">Site: C1</span>' in page


def test_a_query_form_sent_twice_raises_one_query(participant, monitor):
    import re

    diary_week = call(participant, 1, severity="6")
    pid = participant.participant_id
    client = signed_in(monitor)
    form = client.get(
        f"/participants/{pid}/queries/new/?record=diary&id={diary_week.pk}&value=severity"
    ).content.decode()
    key = re.search(r'name="submission" value="([0-9a-f-]{36})"', form).group(1)
    data = {
        "record": "diary",
        "id": diary_week.pk,
        "value": "severity",
        "text": "Check the card.",
        "submission": key,
    }
    assert client.post(f"/participants/{pid}/queries/new/", data).status_code == 302
    again = client.post(f"/participants/{pid}/queries/new/", data, follow=True)
    assert "sent already" in again.content.decode()
    assert Query.objects.count() == 1
