"""A monitor's day in a real browser: verify a participant-week in bulk and raise a
query on a value; the research assistant answers it from the call queue with a
correction; the investigator signs the casebook with the password again."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from diary.models import Query, SdvMark, Signature
from diary.services.calls import weekly_call_record
from diary.services.randomization import participant_randomize
from tests.factories import make_list, make_trial, make_user, ready_to_randomize

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
).expect

PASSWORD = "a-long-test-password"
RANDOMIZED = timezone.localdate() - timedelta(days=20)


@pytest.fixture
def trial_with_a_week():
    trial = make_trial()
    make_list(trial)
    c1 = trial.sites.get(code="C1")
    users = {
        "mona": make_user("monitor", c1, username="mona"),
        "rita": make_user("research_assistant", c1, username="rita"),
        "ivan": make_user("investigator", c1, username="ivan"),
    }
    users["ivan"].first_name, users["ivan"].last_name = "Ivana", "Investigator"
    users["ivan"].save()
    participant = ready_to_randomize(trial, c1, participant_id="C1-001")
    participant_randomize(participant=participant, by_user=users["rita"], randomized_on=RANDOMIZED)
    week = participant.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    weekly_call_record(
        diary_week=week,
        reached=True,
        call_date=week.due_date,
        cramps=3,
        duration_min="2.5",
        severity="6",
        capsules_missed=1,
        by_user=users["rita"],
    )
    return participant


def sign_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return context, page


def test_a_monitor_verifies_and_queries_the_site_answers_the_investigator_signs(
    browser, live_server, trial_with_a_week, shoot
):
    # --- the monitor: verify intervention week 1 in bulk, raise a query ------------
    context, page = sign_in(browser, live_server, "mona")
    expect(page.locator(".role")).to_have_text("Monitor")
    page.get_by_role("link", name="Participants").first.click()
    page.get_by_role("link", name="C1-001").click()
    page.get_by_role("link", name=re.compile("Casebook: values")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casebook")
    page.get_by_role("button", name="Verify the whole week (Intervention week 1)").click()
    expect(page.locator(".messages")).to_contain_text("7 values verified.")
    expect(page.get_by_role("heading", name=re.compile("Intervention week 1"))).to_contain_text(
        "7 of 7 verified"
    )
    shoot(page, "dm-01-monitor-verified-week")
    page.get_by_role(
        "link", name="Raise a query on Mean severity of the week's cramps of Intervention week 1"
    ).click()
    page.get_by_label("Question for the site").fill(
        "The diary card reads 7 for this week; please check."
    )
    shoot(page, "dm-02-monitor-raises-query")
    page.get_by_role("button", name="Raise the query").click()
    expect(page.locator(".messages")).to_contain_text("raised")
    context.close()
    query = Query.objects.get()
    assert SdvMark.objects.filter(cleared_at__isnull=True).count() == 7

    # --- the research assistant: answer from the call queue, with the correction ---
    context, page = sign_in(browser, live_server, "rita")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Call queue")
    expect(page.get_by_role("heading", name="Open queries (1)")).to_be_visible()
    shoot(page, "dm-03-queue-with-open-query")
    page.get_by_role("link", name=f"Answer query {query.pk}").click()
    page.locator("#id_answer-text").fill("Checked the card: it says 7.")
    page.locator("#id_answer-correct").check()
    page.locator("#id_answer-new_value").fill("7")
    page.locator("#id_answer-reason").fill("transcription error")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".messages")).to_contain_text("answered")
    expect(page.locator("ol.steps")).to_contain_text("Corrected severity: 6 → 7")
    shoot(page, "dm-04-query-answered")
    context.close()
    # The correction cleared the verification of the severity, and the timeline says so.
    assert SdvMark.objects.get(field="severity").cleared_at is not None

    # --- the investigator: sign the casebook with the password again ---------------
    context, page = sign_in(browser, live_server, "ivan")
    page.goto(live_server.url + "/participants/C1-001/casebook/")
    page.get_by_role("link", name="Sign the casebook").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the casebook")
    page.get_by_label("I have reviewed these data and they are accurate.").check()
    page.get_by_label("Your password, again").fill(PASSWORD)
    shoot(page, "dm-05-investigator-signs")
    page.get_by_role("button", name="Sign the casebook").click()
    expect(page.locator(".signature-valid")).to_contain_text("Ivana Investigator")
    shoot(page, "dm-06-casebook-signed")
    context.close()
    assert Signature.objects.get().signer_name == "Ivana Investigator"
