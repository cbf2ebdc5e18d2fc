"""Log in and out, the role and sites shown, and who may open which page."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.diary.web.conftest import signed_in
from tests.factories import UserFactory, make_user

# (url name, args, whether it enters data)
PAGES = [
    ("diary:calls", (), True),
    ("diary:week_call", ("C1-001", "screening", 1), True),
    ("diary:week_saved", ("C1-001", "screening", 1), True),
    ("diary:screening_new", (), True),
    ("diary:baseline", ("C1-001",), True),
    ("diary:randomize", ("C1-001",), True),
    ("diary:withdraw", ("C1-001",), True),
    ("diary:adverse_event_new", ("C1-001",), True),
    ("diary:participants", (), False),
    ("diary:participant", ("C1-001",), False),
    ("diary:screening_log", (), False),
]
PARTICIPANT_PAGES = [(name, args) for name, args, _ in PAGES if args]


def test_login_page_has_labelled_fields(db):
    page = Client().get(reverse("login")).content.decode()
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'autocomplete="current-password"' in page


def test_login_then_header_shows_role_and_sites(trial, ra_c1):
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": ra_c1.username, "password": "a-long-test-password"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("diary:calls")
    page = response.content.decode()
    assert '<span class="role">Research assistant</span>' in page
    assert '<span class="sites">Site: C1</span>' in page


def test_wrong_password_shows_an_error_and_does_not_log_in(trial, ra_c1):
    response = Client().post(reverse("login"), {"username": ra_c1.username, "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_coordinator_header_lists_every_site(trial, coordinator):
    page = signed_in(coordinator).get(reverse("diary:calls")).content.decode()
    assert '<span class="sites">Sites: C1, C2</span>' in page
    assert '<span class="role">Coordinator</span>' in page


def test_logout_ends_the_session(trial, ra):
    response = ra.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert ra.get(reverse("diary:calls")).status_code == 302


@pytest.mark.parametrize(("name", "args", "_"), PAGES)
def test_anonymous_user_is_sent_to_login(participant, name, args, _):
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args", "entry"), PAGES)
@pytest.mark.parametrize(
    "role", ["research_assistant", "coordinator", "investigator", "statistician"]
)
def test_each_role_opens_only_its_pages(participant, site_c1, role, name, args, entry):
    user = make_user(role, *([site_c1] if role in ("research_assistant", "investigator") else []))
    allowed = {
        "research_assistant": True,
        "coordinator": True,
        "investigator": not entry,
        "statistician": False,
    }[role]
    if name == "diary:week_saved":  # the saved page of a week called (not reached)
        from diary.services.calls import weekly_call_record

        week = participant.diary_weeks.get(
            protocol_week__phase=args[1], protocol_week__week=args[2]
        )
        weekly_call_record(diary_week=week, reached=False, by_user=None)
    status = signed_in(user).get(reverse(name, args=args)).status_code
    assert status == (200 if allowed else 403)


@pytest.mark.parametrize(("name", "args", "_"), PAGES)
def test_user_without_role_is_refused(participant, name, args, _):
    assert signed_in(UserFactory()).get(reverse(name, args=args)).status_code == 403


def test_unblinded_statistician_gets_no_data_entry_page(participant):
    client = signed_in(make_user("unblinded_statistician"))
    assert client.get(reverse("diary:calls")).status_code == 403
    assert client.get(reverse("diary:participant", args=["C1-001"])).status_code == 403


@pytest.mark.parametrize(("name", "args"), PARTICIPANT_PAGES)
def test_participant_of_another_site_is_not_found(participant, ra_c2, name, args):
    assert signed_in(ra_c2).get(reverse(name, args=args)).status_code == 404


@pytest.mark.parametrize(("name", "args"), PARTICIPANT_PAGES)
def test_posting_to_another_sites_participant_is_not_found_and_changes_nothing(
    participant, ra_c2, name, args
):
    response = signed_in(ra_c2).post(
        reverse(name, args=args),
        {"reached": "no", "call_date": "2020-01-01", "withdrawal_reason": "x"},
    )
    assert response.status_code == 404
    participant.refresh_from_db()
    assert participant.withdrawn_on is None
    assert not participant.diary_weeks.filter(attempts__gt=0).exists()


def test_home_sends_data_entry_roles_to_the_call_queue(trial, ra):
    assert ra.get(reverse("home"))["Location"] == reverse("diary:calls")


def test_home_for_a_statistician_links_nothing_of_capture(trial):
    page = signed_in(make_user("statistician")).get(reverse("home")).content.decode()
    assert reverse("diary:calls") not in page
    assert reverse("diary:participants") not in page


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("research_assistant", "/calls/"),
        ("coordinator", "/calls/"),
        ("investigator", "/participants/"),
        ("statistician", "/reports/"),
        ("unblinded_statistician", "/allocation/"),
        ("monitor", "/queries/"),
        ("dsmb_member", "/reports/"),
    ],
)
def test_each_role_lands_where_its_work_is(trial, site_c1, role, landing):
    from tests.diary.web.conftest import signed_in
    from tests.factories import make_user

    site_bound = ("research_assistant", "investigator", "monitor")
    user = make_user(role, *([site_c1] if role in site_bound else []))
    response = signed_in(user).get("/")
    assert response.status_code == 302 and response["Location"] == landing
    assert signed_in(user).get(landing).status_code == 200


def test_the_investigator_sees_the_counts_of_their_sites_and_can_search(trial, site_c1, site_c2):
    from datetime import date

    from tests.diary.web.conftest import signed_in
    from tests.factories import enrol, make_user

    for site, pid in ((site_c1, "C1-001"), (site_c1, "C1-002"), (site_c2, "C2-001")):
        enrol(trial, site, screened_on=date(2023, 1, 2), participant_id=pid)
    client = signed_in(make_user("investigator", site_c1))
    page = client.get("/participants/").content.decode()
    assert "2 enrolled, 0 randomized" in page
    found = client.get("/participants/?q=002").context["page"].object_list
    assert [p.participant_id for p in found] == ["C1-002"]
    assert "randomized at your sites" in client.get("/allocation/").content.decode()
