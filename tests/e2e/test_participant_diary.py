"""The participant's diary on a phone, in a real browser: open the link, report two
nights (one with two cramps, one without), fill in a missed night (without
JavaScript), switch to Chinese; every page checked against WCAG 2.1 AA with axe. Then
the research assistant's call shows the week derived from the nights and confirms it;
a revoked link answers 404; an entry after the withdrawal is refused."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from diary.models import DiaryWeek, Night
from diary.services.diary_links import diary_link_issue
from diary.services.participants import participant_withdraw
from diary.services.randomization import participant_randomize
from tests.e2e.accessibility import axe_violations
from tests.factories import make_list, make_trial, make_user, ready_to_randomize

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
).expect

TODAY = timezone.localdate()
RANDOMIZED = TODAY - timedelta(days=14)  # week 2: the nights of the last 7 days, due today
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}


@pytest.fixture
def diary_setup():
    trial = make_trial()
    make_list(trial)
    site = trial.sites.get(code="C1")
    make_user("research_assistant", site, username="rita")
    people = {}
    for pid in ("C1-001", "C1-002"):
        participant = ready_to_randomize(
            trial, site, participant_id=pid, screened_on=RANDOMIZED - timedelta(days=15)
        )
        people[pid] = participant_randomize(
            participant=participant, by_user=None, randomized_on=RANDOMIZED
        )
    tokens = {pid: diary_link_issue(participant=p, by_user=None)[1] for pid, p in people.items()}
    return people, tokens


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def accessible(page):
    assert axe_violations(page) == [], page.url


def night_label(days_back: int) -> str:
    return (TODAY - timedelta(days=days_back)).strftime("%A")


def test_a_participant_keeps_the_diary_and_the_call_confirms_the_week(
    phone, browser, live_server, diary_setup, shoot
):
    people, tokens = diary_setup
    home = f"{live_server.url}/diary/{tokens['C1-001']}/"
    page = phone
    page.goto(home)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your leg cramp diary")
    accessible(page)
    shoot(page, "diary-01-home")

    # Last night: two cramps, one question at a time.
    page.get_by_role("link", name="Fill in last night").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Did you have a leg cramp")
    accessible(page)
    page.get_by_role("button", name="Yes").click()
    page.get_by_label("How many cramps did you have that night?").fill("2")
    accessible(page)
    page.get_by_role("button", name="Next").click()
    for minutes, pain in (("1.5", "4"), ("2", "6")):
        expect(page.get_by_role("heading", level=1)).to_contain_text("how long did it last")
        page.locator("#duration").fill(minutes)
        accessible(page)
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("how much did it hurt")
        accessible(page)
        shoot(page, "diary-02-severity")
        page.get_by_role("button", name=pain, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this right?")
    expect(page.locator(".summary li")).to_have_count(2)
    accessible(page)
    page.get_by_role("button", name="Yes, save it").click()
    expect(page.locator(".messages")).to_contain_text("saved in your diary")
    expect(page.locator(".lead")).to_contain_text("Last night is in your diary")

    # The night before: no cramp.
    page.get_by_role(
        "link", name=re.compile(f"Fill in this night.*night of {night_label(2)}")
    ).click()
    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this right?")
    page.get_by_role("button", name="Yes, save it").click()
    expect(page.locator(".nights")).to_contain_text("Filled in: 2 cramps")

    # A night missed five days ago, filled in on a phone without JavaScript.
    plain = browser.new_context(**PHONE, java_script_enabled=False)
    no_js = plain.new_page()
    no_js.goto(home)
    no_js.get_by_role("link", name=re.compile(f"the night of {night_label(5)}")).click()
    no_js.get_by_role("button", name="No").click()
    no_js.get_by_role("button", name="Yes, save it").click()
    expect(no_js.locator(".messages")).to_contain_text("saved in your diary")
    plain.close()
    assert Night.objects.filter(participant=people["C1-001"]).count() == 3

    # Switch to Simplified Chinese: the choice is kept.
    page.reload()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的腿抽筋日记")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    accessible(page)
    shoot(page, "diary-03-chinese")
    page.get_by_role("link", name=re.compile("填写这一夜")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您的腿抽筋了吗")
    accessible(page)

    # The research assistant's call shows the week derived from the nights, and
    # confirms it.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ra = staff.new_page()
    ra.goto(live_server.url + "/accounts/login/")
    ra.get_by_label("Username").fill("rita")
    ra.get_by_label("Password").fill("a-long-test-password")
    ra.get_by_role("button", name="Log in").click()
    ra.goto(live_server.url + "/participants/C1-001/weeks/intervention/2/")
    ra.locator("#id_reached_0").check()
    section = ra.locator(".diary-nights")
    expect(section).to_contain_text("3 / 7")
    expect(section.locator(".derived")).to_contain_text("1.75 min")
    expect(section.locator(".derived")).to_contain_text("5 / 10")
    expect(ra.locator("#id_cramps")).to_have_value("2")
    shoot(ra, "diary-04-call")
    ra.locator("#id_capsules_missed").fill("0")
    ra.locator("#id_new_health_problem_1").check()
    ra.get_by_role("button", name="Save the call").click()
    expect(ra.get_by_role("heading", level=1)).to_contain_text("Saved")
    week = DiaryWeek.objects.get(
        participant=people["C1-001"], protocol_week__phase="intervention", protocol_week__week=2
    )
    assert (week.source, week.cramps, str(week.duration_min)) == ("diary", 2, "1.75")

    # The assistant revokes the link: it answers 404.
    ra.goto(live_server.url + "/participants/C1-001/diary/")
    ra.get_by_label("Reason the link is revoked").fill("Phone lost")
    ra.get_by_role("button", name="Revoke the link").click()
    expect(ra.locator(".messages")).to_contain_text("revoked")
    staff.close()
    assert page.goto(home).status == 404


def test_an_entry_after_the_withdrawal_is_refused(phone, live_server, diary_setup):
    people, tokens = diary_setup
    page = phone
    page.goto(f"{live_server.url}/diary/{tokens['C1-002']}/")
    page.get_by_role("link", name="Fill in last night").click()
    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this right?")
    participant_withdraw(
        participant=people["C1-002"],
        withdrawn_on=TODAY - timedelta(days=3),
        reason="Moved",
        by_user=None,
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Yes, save it").click()
    assert answer.value.status == 404
    assert not Night.objects.filter(participant=people["C1-002"]).exists()
