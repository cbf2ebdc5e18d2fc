"""Coordinators manage staff accounts in the admin, through the staff service: every
change of role, sites, email or active is recorded (who, when, what, why), and the
admin offers no door around it."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from diary.models import SiteAssignment, StaffAccessChange
from diary.selectors.scoping import participants_for
from tests.diary.web.conftest import signed_in
from tests.factories import enrol, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def coordinator_client(coordinator):
    coordinator.email = "coordinator@trial.test"
    coordinator.save()
    return signed_in(coordinator)


@pytest.fixture
def alice(site_c1):
    user = make_user("research_assistant", site_c1, username="alice")
    user.email = "alice@trial.test"
    user.save()
    return user


def _change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _form(user, **changes) -> dict:
    """The change form as the admin shows it for `user`, with `changes` applied."""
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.groups.get().name,
        "sites": [a.site_id for a in user.site_assignments.all()],
        "is_active": "on" if user.is_active else "",
        "reason": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", None)}


def test_a_coordinator_gives_a_user_another_site_and_it_is_recorded(
    trial, site_c1, site_c2, coordinator, coordinator_client, alice
):
    c2_participant = enrol(trial, site_c2, participant_id="C2-001")
    assert not participants_for(alice).filter(pk=c2_participant.pk).exists()

    response = coordinator_client.post(
        _change_url(alice),
        _form(alice, sites=[site_c1.pk, site_c2.pk], reason="covers C2 during leave"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    change = StaffAccessChange.objects.get(user=alice, kind="changed")
    assert change.changed_by == coordinator
    assert change.changes == {"sites": [["C1"], ["C1", "C2"]]}
    assert change.reason == "covers C2 during leave"
    assert change.via == "admin"
    assert change.changed_at is not None
    # the user's access follows
    alice = User.objects.get(pk=alice.pk)
    assert set(alice.site_assignments.values_list("site__code", flat=True)) == {"C1", "C2"}
    assert participants_for(alice).filter(pk=c2_participant.pk).exists()


def test_a_change_without_a_reason_is_refused_and_nothing_changes(
    site_c1, site_c2, coordinator_client, alice
):
    response = coordinator_client.post(
        _change_url(alice), _form(alice, sites=[site_c1.pk, site_c2.pk])
    )
    assert response.status_code == 200
    assert "Give the reason for changing sites" in response.content.decode()
    assert list(alice.site_assignments.values_list("site__code", flat=True)) == ["C1"]
    assert not StaffAccessChange.objects.filter(kind="changed").exists()


def test_coordinators_see_the_record_of_access_changes_in_the_admin(
    site_c1, site_c2, coordinator_client, alice
):
    coordinator_client.post(
        _change_url(alice), _form(alice, sites=[site_c2.pk], reason="moved to C2")
    )
    listing = coordinator_client.get(reverse("admin:diary_staffaccesschange_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "alice" in body and "moved to C2" in body
    page = coordinator_client.get(_change_url(alice)).content.decode()
    assert "moved to C2" in page  # the account's own page shows its history


def test_a_coordinator_creates_an_account_in_the_admin(trial, site_c1, coordinator_client):
    response = coordinator_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "bob",
            "email": "bob@trial.test",
            "role": "investigator",
            "sites": [site_c1.pk],
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    bob = User.objects.get(username="bob")
    assert list(bob.groups.values_list("name", flat=True)) == ["investigator"]
    assert bob.check_password("a-long-new-password-7")
    assert not bob.is_superuser and not bob.is_staff
    created = StaffAccessChange.objects.get(user=bob)
    assert created.kind == "created"
    assert created.changes["role"] == [None, "investigator"]
    assert created.changes["sites"] == [None, ["C1"]]


def test_the_admin_applies_the_password_validators(trial, site_c1, coordinator_client):
    response = coordinator_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "carol",
            "email": "carol@trial.test",
            "role": "research_assistant",
            "sites": [site_c1.pk],
            "password1": "carol-carol-1",
            "password2": "carol-carol-1",
        },
    )
    assert response.status_code == 200
    assert "This password contains the username" in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_a_role_that_receives_alerts_needs_an_email_in_the_admin(
    trial, site_c1, coordinator_client
):
    response = coordinator_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "dave",
            "role": "investigator",
            "sites": [site_c1.pk],
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
    )
    assert response.status_code == 200
    assert "An investigator receives alerts: give an email address." in response.content.decode()
    assert not User.objects.filter(username="dave").exists()


def test_the_admin_offers_no_door_around_the_service(site_c1, coordinator_client, alice):
    page = coordinator_client.get(_change_url(alice)).content.decode()
    for door in ('name="is_superuser"', 'name="groups"', 'name="user_permissions"'):
        assert door not in page
    assert 'name="is_staff"' not in page
    coordinator_client.post(
        _change_url(alice),
        _form(
            alice,
            is_superuser="on",
            is_staff="on",
            groups=[Group.objects.get(name="coordinator").pk],
        ),
    )
    alice = User.objects.get(pk=alice.pk)
    assert not alice.is_superuser and not alice.is_staff
    assert list(alice.groups.values_list("name", flat=True)) == ["research_assistant"]
    # site assignments and roles are not edited raw
    assert SiteAssignment not in admin.site._registry
    assert Group not in admin.site._registry


def test_a_coordinator_cannot_make_anyone_unblinded(site_c1, coordinator_client, alice):
    response = coordinator_client.post(
        _change_url(alice),
        _form(alice, role="unblinded_statistician", sites=[], reason="promotion"),
    )
    assert response.status_code == 200
    assert "Only the operator" in response.content.decode()
    assert list(alice.groups.values_list("name", flat=True)) == ["research_assistant"]


def test_a_coordinator_deactivates_an_account_and_it_is_recorded(coordinator_client, alice):
    response = coordinator_client.post(
        _change_url(alice), _form(alice, is_active="", reason="left the trial")
    )
    assert response.status_code == 302
    alice = User.objects.get(pk=alice.pk)
    assert not alice.is_active
    change = StaffAccessChange.objects.get(user=alice, kind="changed")
    assert change.changes == {"active": [True, False]}


def test_other_roles_have_no_account_admin(trial, site_c1):
    user = make_user("unblinded_statistician")
    assert signed_in(user).get(reverse("admin:auth_user_changelist")).status_code == 403


def test_coordinators_list_and_revoke_api_tokens_but_cannot_make_one(coordinator_client, alice):
    from knox.models import AuthToken

    from diary.services.api_tokens import api_token_create

    token, _ = api_token_create(user=alice)
    listing = coordinator_client.get(reverse("admin:knox_authtoken_changelist"))
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    assert coordinator_client.get(reverse("admin:knox_authtoken_add")).status_code == 403
    response = coordinator_client.post(
        reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("role", ["unblinded_statistician", "dsmb_member"])
def test_an_operator_only_account_is_shown_read_only_to_coordinators(
    coordinator_client, trial, role
):
    user = make_user(role)
    page = coordinator_client.get(_change_url(user))
    assert page.status_code == 200
    content = page.content.decode()
    assert user.username in content and 'name="reason"' not in content
    refused = coordinator_client.post(_change_url(user), {"role": "coordinator", "reason": "x"})
    assert refused.status_code == 403
    assert User.objects.get(pk=user.pk).groups.get().name == role
