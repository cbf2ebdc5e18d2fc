"""The demo's working day in a real browser (`make demo-day`): the research assistant
works the call queue (a late call confirmed out of its window, a participant not
reached, a call with an adverse event); the coordinator corrects the late call's date
and creates an account; the statistician asks for a report and reads it in the
browser."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from diary.management.commands.demo_users import DEMO_PASSWORD
from diary.models import AdverseEvent, DiaryWeek, StaffAccessChange
from diary.selectors.calls import calls_due

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
).expect

TODAY = timezone.localdate()


@pytest.fixture
def demo_day():
    with override_settings(DEBUG=True):
        call_command("demo_day", today=TODAY, stdout=io.StringIO())
    ra = get_user_model().objects.get(username="research-assistant")
    return calls_due(user=ra, on_date=TODAY)


def log_in(page, live_server, username: str, landing: str):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(landing)


def open_call(page, live_server, section: str, row):
    page.goto(live_server.url + "/calls/")
    label = f"{row.phase_label} week {row.week}"
    page.locator(f"#{section}").get_by_role(
        "link", name=f"Call {row.participant_id}: {label}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(row.participant_id)


def fill_reached(page, *, call_date, cramps: int, health_problem: bool = False):
    page.locator("#id_reached_0").check()
    page.locator("#id_call_date").fill(call_date.isoformat())
    page.locator("#id_cramps").fill(str(cramps))
    if cramps:
        page.locator("#id_duration_min").fill("2")
        page.locator("#id_severity").fill("5")
    if page.locator("#id_capsules_missed").count():
        page.locator("#id_capsules_missed").fill("0")
    page.locator(
        "#id_new_health_problem_0" if health_problem else "#id_new_health_problem_1"
    ).check()


def test_the_research_assistant_and_the_coordinator_work_the_demo_day(
    page, live_server, demo_day, shoot
):
    queue = demo_day
    assert len(queue.due) >= 2 and queue.overdue, "the demo day leaves calls to make"
    late, unreached, with_event = queue.overdue[0], queue.due[0], queue.due[1]

    log_in(page, live_server, "research-assistant", "Call queue")
    expect(page.locator("#due")).to_contain_text(unreached.participant_id)
    expect(page.locator("#overdue")).to_contain_text(late.participant_id)
    shoot(page, "demo-day-01-call-queue")

    # A late call: the date outside the window is taken only once confirmed.
    open_call(page, live_server, "overdue", late)
    fill_reached(page, call_date=TODAY, cramps=2)
    page.get_by_role("button", name="Save the call").click()
    expect(page.locator("#error-summary")).to_be_visible()
    confirm = page.get_by_label("The call was made on this date, outside the week's window")
    shoot(page, "demo-day-02-out-of-window")
    confirm.check()
    page.get_by_role("button", name="Save the call").click()
    expect(page.locator(".confirmation")).to_contain_text("Cramps2")
    late_week = DiaryWeek.objects.get(pk=late.diary_week_id)
    assert late_week.call_date == TODAY and late_week.reached is True

    # Not reached: an attempt, and the call stays in the queue.
    open_call(page, live_server, "due", unreached)
    page.locator("#id_reached_1").check()
    page.locator("#id_call_date").fill(TODAY.isoformat())
    page.get_by_role("button", name="Save the call").click()
    expect(page.locator(".confirmation")).to_contain_text("stays in the queue")
    page.goto(live_server.url + "/calls/")
    row = page.locator(
        "tr",
        has=page.get_by_role(
            "link",
            name=f"Call {unreached.participant_id}: {unreached.phase_label} week {unreached.week}",
        ),
    )
    expect(row.locator('td[data-label="Attempts"]')).to_have_text(str(unreached.attempts + 1))

    # A new health problem: the adverse event form follows the saved call.
    events = AdverseEvent.objects.count()
    open_call(page, live_server, "due", with_event)
    fill_reached(page, call_date=TODAY, cramps=1, health_problem=True)
    page.get_by_role("button", name="Save the call").click()
    page.get_by_label("What is the problem?").fill("Nausea")
    page.get_by_label("Date the problem began").fill((TODAY - timedelta(days=1)).isoformat())
    page.locator("#id_serious_1").check()
    page.get_by_label("Mild").check()
    page.get_by_label("Related to the study capsules?").select_option("possible")
    page.get_by_role("button", name="Save the adverse event").click()
    expect(page.locator(".messages")).to_contain_text("Adverse event recorded: Nausea")
    shoot(page, "demo-day-03-adverse-event")
    assert AdverseEvent.objects.count() == events + 1
    assert page.js_errors == []

    # The coordinator corrects the late call's date, with a reason.
    page.context.clear_cookies()
    log_in(page, live_server, "coordinator", "Call queue")
    page.goto(live_server.url + f"/participants/{late.participant_id}/")
    weeks = page.locator("section", has=page.locator(f"#{late.phase}-title"))
    weeks.get_by_role("link", name=f"Correct week {late.week}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct")
    corrected = late.window_end
    page.locator("#id_call_date").fill(corrected.isoformat())
    page.get_by_label("Reason for the correction").fill("Called on the last day of the window")
    page.get_by_role("button", name="Save the call").click()
    expect(page.locator(".confirmation")).to_be_visible()
    late_week.refresh_from_db()
    assert late_week.call_date == corrected
    assert late_week.history.first().history_change_reason == (
        "Called on the last day of the window"
    )

    # ... and creates an account in the admin, through the staff service.
    page.goto(live_server.url + "/admin/auth/user/add/")
    page.locator("#id_username").fill("rachel")
    page.locator("#id_first_name").fill("Rachel")
    page.locator("#id_last_name").fill("Ng")
    page.locator("#id_email").fill("rachel@example.org")
    page.locator("#id_role").select_option("research_assistant")
    page.locator("#id_sites input[value]").first.check()
    page.locator("#id_password1").fill("a-long-enough-passphrase-2026")
    page.locator("#id_password2").fill("a-long-enough-passphrase-2026")
    page.locator("#id_reason").fill("Joins the team at C1")
    shoot(page, "demo-day-04-new-account")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("rachel")
    change = StaffAccessChange.objects.filter(username="rachel").get()
    assert change.changed_by_name and change.reason == "Joins the team at C1"

    # The statistician asks for the (open) report and reads its HTML page in the browser.
    page.context.clear_cookies()
    log_in(page, live_server, "statistician", "Analysis reports")
    page.get_by_role("link", name="Request a report").click()
    formats = page.locator("input[name=formats]")
    for i in range(formats.count()):
        formats.nth(i).uncheck()
    page.get_by_label("HTML page with the tables and figures").check()
    page.get_by_role("button", name="Request the report").click()
    link = page.get_by_role("link", name=re.compile(r"\.html$"))
    for _ in range(30):
        if link.count():
            break
        page.wait_for_timeout(2000)
        page.reload()
    with page.expect_popup() as opened:
        link.click()
    report = opened.value
    expect(report.get_by_role("heading", level=1)).to_contain_text("Intention-to-treat report")
    expect(report.locator("body")).to_contain_text("All randomized")
    shoot(report, "demo-day-05-report-in-the-browser")
    for word in ("Placebo", "Vitamin K2 (", "placebo", "vitamin_k2"):
        assert word not in report.content(), word
