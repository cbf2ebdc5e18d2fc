"""A research assistant's work in a real browser: screen a candidate, enrol, enter
the screening diary, randomize, work the call queue through the eight weekly calls
(one not reached at first, one with an adverse event), then read the timeline."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from diary.models import AdverseEvent, Participant
from tests.factories import make_list, make_trial, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
).expect

PASSWORD = "a-long-test-password"
TODAY = timezone.localdate()  # the app's today (date.today() in its time zone)
SCREENED = TODAY - timedelta(days=75)  # screening diary weeks due 68 and 61 days ago
RANDOMIZED = TODAY - timedelta(days=56)  # intervention week k due 56 - 7k days ago


@pytest.fixture
def setup_trial():
    trial = make_trial()
    make_list(trial)
    user = make_user("research_assistant", trial.sites.get(code="C1"), username="rita")
    return trial, user


def log_in(page, live_server):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Call queue")


def open_call(page, live_server, label: str):
    page.goto(live_server.url + "/calls/")
    page.get_by_role("link", name=f"Call C1-001: {label}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C1-001")


def enter_reached(page, *, call_date: date, cramps: int, duration="", severity="", **extra):
    page.locator("#id_reached_0").check()
    page.locator("#id_call_date").fill(call_date.isoformat())
    page.locator("#id_cramps").fill(str(cramps))
    if cramps:
        expect(page.locator("#id_duration_min")).to_be_visible()
        page.locator("#id_duration_min").fill(str(duration))
        page.locator("#id_severity").fill(str(severity))
    else:
        expect(page.locator("#id_duration_min")).to_be_hidden()
    if "capsules" in extra:
        page.locator("#id_capsules_missed").fill(str(extra["capsules"]))
    health = (
        "#id_new_health_problem_0" if extra.get("health_problem") else "#id_new_health_problem_1"
    )
    page.locator(health).check()
    page.get_by_role("button", name="Save the call").click()


def test_screen_enrol_randomize_and_follow_eight_weeks(page, live_server, setup_trial, shoot):
    trial, _ = setup_trial
    log_in(page, live_server)
    expect(page.locator(".role")).to_have_text("Research assistant")
    expect(page.locator(".sites")).to_have_text("Site: C1")
    shoot(page, "01-call-queue-empty")

    # --- screening: the app decides and explains eligibility --------------------
    page.get_by_role("link", name="Screen a candidate").click()
    page.get_by_label("Screening number").fill("S-001")
    page.get_by_label("Date of screening").fill(SCREENED.isoformat())
    page.locator("#id_sex_0").check()  # female
    page.get_by_label("Age (years)").fill("71")
    for criterion in trial.criteria.all():
        answer = 0 if criterion.kind == "inclusion" else 1  # yes to inclusion, no to exclusion
        page.locator(f"#id_criterion_{criterion.code}_{answer}").check()
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.locator(".decision")).to_contain_text(
        "Eligible: meets every inclusion criterion and no exclusion criterion."
    )
    expect(page.get_by_label("Study id")).to_have_value("C1-001")
    expect(page.get_by_label("Study id")).to_be_hidden()  # until consent is given
    page.get_by_label("Gives written consent: enrol").check()
    expect(page.get_by_label("Study id")).to_be_visible()
    expect(page.get_by_label("Date of consent")).to_have_value(SCREENED.isoformat())
    page.get_by_label("Phone number for the weekly call").fill("+44 20 7946 0123")
    shoot(page, "02-screening-eligible")
    page.get_by_role("button", name="Save the screening").click()

    # --- baseline characteristics -------------------------------------------------
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baseline")
    expect(page.locator(".messages")).to_contain_text("enrolled as C1-001")
    page.get_by_label("Height (cm)").fill("162")
    page.get_by_label("Weight (kg)").fill("64.5")
    page.locator("#id_hypertension_0").check()
    page.locator("#id_diabetes_1").check()
    page.get_by_label("Serum creatinine (mg/dL)").fill("1.0")
    expect(page.locator("#creatinine-umol")).to_have_text("= 88 µmol/L")
    shoot(page, "03-baseline")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C1-001")

    # --- the screening diary, from the participant's page ------------------------------
    # (Weeks this old have left the call queue: the test compresses weeks into minutes.)
    for week, cramps in ((1, 2), (2, 1)):
        page.goto(live_server.url + "/participants/C1-001/")
        screening = page.locator("section", has=page.locator("#screening-title"))
        screening.get_by_role("link", name=f"Enter week {week}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("C1-001")
        expect(page.locator("#id_capsules_missed")).to_have_count(0)  # no capsules yet
        enter_reached(
            page,
            call_date=SCREENED + timedelta(days=7 * week),
            cramps=cramps,
            duration="1.5",
            severity="4",
        )
        expect(page.locator(".confirmation")).to_contain_text(f"Cramps{cramps}")

    # --- randomize: only the bottle number is shown ------------------------------------
    page.goto(live_server.url + "/participants/C1-001/")
    page.get_by_role("link", name="Randomize").click()
    expect(page.locator("body")).to_contain_text("3 cramps")
    page.get_by_label("Date of randomization").fill(RANDOMIZED.isoformat())
    page.get_by_role("button", name="Randomize and show the bottle number").click()
    bottle = Participant.objects.get(participant_id="C1-001").bottle_number
    expect(page.locator("#bottle-number")).to_have_text(str(bottle))
    shoot(page, "04-randomized-bottle")
    _assert_no_arm(page, trial)

    # --- eight weekly calls -------------------------------------------------------------
    for week in range(1, 9):
        due = RANDOMIZED + timedelta(days=7 * week)
        label = f"Intervention week {week}"
        if week == 2:
            # A value out of range is refused inline and nothing is saved.
            open_call(page, live_server, label)
            enter_reached(page, call_date=due, cramps=2, duration="2", severity="11", capsules=0)
            summary = page.locator("#error-summary")
            expect(summary).to_contain_text("Enter a number between 1 and 10.")
            expect(summary).to_be_focused()
            expect(page.locator("#id_severity_error")).to_contain_text("between 1 and 10")
            shoot(page, "05-call-validation")
            page.locator("#id_severity").fill("6")
            page.locator("#id_new_health_problem_1").check()
            page.get_by_role("button", name="Save the call").click()
            expect(page.locator(".confirmation")).to_contain_text("Mean severity6 / 10")
            continue
        if week == 3:
            # Not reached: an attempt; the call stays in the queue with its attempt.
            open_call(page, live_server, label)
            page.locator("#id_reached_1").check()
            expect(page.locator("#id_cramps")).to_be_hidden()
            page.locator("#id_call_date").fill(due.isoformat())
            page.get_by_role("button", name="Save the call").click()
            expect(page.locator(".confirmation")).to_contain_text("The call stays in the queue")
            page.goto(live_server.url + "/calls/")
            row = page.locator("tr", has=page.get_by_role("link", name=f"Call C1-001: {label}"))
            expect(row.locator('td[data-label="Attempts"]')).to_have_text("1")
            shoot(page, "06-call-queue-after-attempt")
            open_call(page, live_server, label)
            enter_reached(page, call_date=due + timedelta(days=1), cramps=0, capsules=1)
            continue
        if week == 5:
            # A new health problem opens the adverse event form after the call is saved.
            open_call(page, live_server, label)
            enter_reached(
                page,
                call_date=due,
                cramps=1,
                duration="3",
                severity="5",
                capsules=0,
                health_problem=True,
            )
            expect(page.locator(".confirmation")).to_contain_text("Saved: Intervention week 5")
            page.get_by_label("What is the problem?").fill("Nausea")
            page.get_by_label("Date the problem began").fill((due - timedelta(days=2)).isoformat())
            page.locator("#id_serious_1").check()
            page.get_by_label("Mild").check()
            page.get_by_label("Related to the study capsules?").select_option("possible")
            shoot(page, "07-adverse-event")
            page.get_by_role("button", name="Save the adverse event").click()
            expect(page.locator(".messages")).to_contain_text("Adverse event recorded: Nausea")
            continue
        if week == 8:
            # Due today: entered from the keyboard alone, in the form's focus order.
            page.goto(live_server.url + "/calls/")
            due_section = page.locator("#due")
            expect(due_section).to_contain_text("C1-001")
            due_section.get_by_role("link", name=f"Call C1-001: {label}").click()
            expect(page.locator("#id_reached_0")).to_be_focused()
            page.keyboard.press("Space")
            _tab_to(page, "id_cramps", through={"id_reached_0", "id_call_date"})
            page.keyboard.type("3")
            _tab_to(page, "id_duration_min", through={"id_cramps"})
            page.keyboard.type("2.5")
            _tab_to(page, "id_severity", through={"id_duration_min"})
            page.keyboard.type("7")
            _tab_to(page, "id_capsules_missed", through={"id_severity"})
            page.keyboard.type("0")
            _tab_to(page, "id_new_health_problem_0", through={"id_capsules_missed"})
            page.keyboard.press("ArrowRight")  # moves to and selects "No"
            expect(page.locator("#id_new_health_problem_1")).to_be_checked()
            page.keyboard.press("Tab")
            expect(page.get_by_role("button", name="Save the call")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator(".confirmation")).to_contain_text("Cramps3")
            shoot(page, "08-call-saved")
            continue
        open_call(page, live_server, label)
        enter_reached(page, call_date=due, cramps=week % 3, duration="2", severity="5", capsules=0)
        expect(page.get_by_role("link", name="Back to the call queue")).to_be_focused()

    page.goto(live_server.url + "/calls/")
    expect(page.locator("#due")).not_to_contain_text("C1-001")
    expect(page.locator("#overdue")).not_to_contain_text("C1-001")

    # --- the timeline -----------------------------------------------------------------------
    page.goto(live_server.url + "/participants/C1-001/")
    weeks = page.locator("#intervention-title + .table-wrap tbody tr")
    expect(weeks).to_have_count(8)
    for row in range(8):
        expect(weeks.nth(row).locator(".status")).to_have_text("Recorded")
    expect(weeks.nth(2).locator('td[data-label="Attempts"]')).to_have_text("2")
    expect(weeks.nth(7).locator('td[data-label="Cramps"]')).to_have_text("3")
    expect(page.locator("#ae-title + .table-wrap")).to_contain_text("Nausea")
    expect(page.locator("#history-title + .table-wrap")).to_contain_text("Intervention week 8")
    shoot(page, "09-participant-timeline")
    _assert_no_arm(page, trial)
    assert page.js_errors == []

    participant = Participant.objects.get(participant_id="C1-001")
    recorded = participant.diary_weeks.filter(reached=True)
    assert recorded.filter(protocol_week__phase="intervention").count() == 8
    assert recorded.filter(protocol_week__phase="screening").count() == 2
    assert AdverseEvent.objects.get().term == "Nausea"


def test_pages_reflow_at_200_percent_zoom_and_on_a_tablet(
    page, browser, live_server, setup_trial, shoot
):
    trial, _ = setup_trial
    from tests.factories import enrol

    enrol(trial, trial.sites.get(code="C1"), screened_on=TODAY - timedelta(days=14))
    log_in(page, live_server)
    # 200% zoom of a 1280px window lays the page out in 640 CSS pixels.
    zoomed = browser.new_context(
        viewport={"width": 640, "height": 450},
        device_scale_factor=2,
        storage_state=page.context.storage_state(),
    )
    tablet = browser.new_context(
        viewport={"width": 768, "height": 1024},
        has_touch=True,
        is_mobile=True,
        storage_state=page.context.storage_state(),
    )
    for name, context in (("zoom-200", zoomed), ("tablet", tablet)):
        view = context.new_page()
        for path in ("/calls/", "/participants/C1-0002/", "/screening/new/"):
            pid = Participant.objects.get().participant_id
            view.goto(live_server.url + path.replace("C1-0002", pid))
            overflow = view.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {name}"
        view.goto(live_server.url + "/calls/")
        shoot(view, f"10-call-queue-{name}")
        context.close()


def _tab_to(page, target_id: str, *, through: set[str]):
    """Press Tab until `target_id` has the focus, passing only through `through`."""
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused == target_id:
            return
        assert focused in through, f"focus went to {focused!r} before {target_id!r}"
    raise AssertionError(f"{target_id} never got the focus")


def _assert_no_arm(page, trial):
    text = page.content().lower()
    for arm in trial.arms.all():
        assert arm.code.lower() not in text
        assert arm.label.lower() not in text
