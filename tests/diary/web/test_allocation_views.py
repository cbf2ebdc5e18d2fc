"""The randomization pages, per role."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diary.models import EmergencyUnblinding, RandomizationList, TrialEvent
from diary.selectors.allocation import participant_arm_codes
from diary.services.randomization import participant_randomize
from tests.diary.web.conftest import signed_in
from tests.factories import make_list, make_user, ready_to_randomize

PASSWORD = "a-long-test-password"
ROLES = [
    "research_assistant",
    "coordinator",
    "statistician",
    "unblinded_statistician",
    "investigator",
]


@pytest.fixture
def users(trial, site_c1):
    return {
        role: make_user(
            role, *([site_c1] if role in ("research_assistant", "investigator") else [])
        )
        for role in ROLES
    }


@pytest.fixture
def randomized(trial, site_c1, users):
    make_list(trial)
    p = ready_to_randomize(trial, site_c1, participant_id="C1-101")
    return participant_randomize(participant=p, by_user=users["coordinator"])


def _arm_words(trial) -> list[str]:
    return [w.lower() for a in trial.arms.all() for w in (a.code, a.label)]


LIST_PAGES = [
    "diary:randomization_list",
    "diary:randomization_list_generate",
    "diary:randomization_list_import",
    "diary:randomization_list_download",
    "diary:trial_lock",
]


@pytest.mark.parametrize("role", ROLES)
def test_list_and_lock_pages_are_for_the_unblinded_statistician_only(randomized, users, role):
    client = signed_in(users[role])
    for name in LIST_PAGES:
        expected = 200 if role == "unblinded_statistician" else 403
        assert client.get(reverse(name)).status_code == expected, name


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("research_assistant", 403),
        ("statistician", 403),
        ("coordinator", 200),
        ("investigator", 200),
        ("unblinded_statistician", 200),
    ],
)
def test_randomization_home_and_unblinding_log_by_role(randomized, users, role, status):
    client = signed_in(users[role])
    assert client.get(reverse("diary:allocation")).status_code == status
    assert client.get(reverse("diary:emergency_unblindings")).status_code == status


def test_anonymous_user_is_sent_to_log_in(randomized, client):
    response = client.get(reverse("diary:randomization_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_of_blinded_roles_name_no_arm(randomized, users):
    words = _arm_words(randomized.trial)
    pid = randomized.participant_id
    for role, name in [
        ("coordinator", reverse("diary:allocation")),
        ("coordinator", reverse("diary:bottle_replacement", args=[pid])),
        ("investigator", reverse("diary:allocation")),
        ("investigator", reverse("diary:emergency_unblinding", args=[pid])),
    ]:
        body = signed_in(users[role]).get(name).content.decode().lower()
        assert pid.lower() in body
        assert not [w for w in words if w in body], (role, name)


def test_generate_a_list_from_the_page(trial, users):
    client = signed_in(users["unblinded_statistician"])
    response = client.post(
        reverse("diary:randomization_list_generate"),
        {
            "method": "permuted_blocks",
            "block_sizes": "2, 4",
            "stratify_by": ["site"],
            "bottles_per_stratum": "10",
            "spares": "4",
        },
    )
    assert response.status_code == 302
    rlist = RandomizationList.objects.get()
    assert rlist.created_by == users["unblinded_statistician"]
    assert rlist.parameters["stratify_by"] == ["site"]
    page = client.get(reverse("diary:randomization_list")).content.decode()
    assert rlist.sha256 in page
    assert "The stored list matches its fingerprint." in page
    assert str(rlist.seed) in page
    assert (
        "The verification checks that order: each block is one run of consecutive bottles "
        "as they are given" in page
    )


def test_import_of_a_list_balanced_out_of_allocation_order_says_why_on_the_page(trial, users):
    content = (
        b"bottle_number,arm_code,block\n"
        b"1,placebo,1\n2,placebo,1\n3,placebo,2\n4,placebo,2\n"
        b"5,vitamin_k2,1\n6,vitamin_k2,1\n7,vitamin_k2,2\n8,vitamin_k2,2\n"
    )
    client = signed_in(users["unblinded_statistician"])
    response = client.post(
        reverse("diary:randomization_list_import"),
        {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert (
        "In that order the first 4 bottles given in the list are placebo: 4, vitamin_k2: 0."
        in response.content.decode()
    )
    assert not RandomizationList.objects.exists()


def test_generate_with_a_bad_block_size_shows_the_error(trial, users):
    client = signed_in(users["unblinded_statistician"])
    response = client.post(
        reverse("diary:randomization_list_generate"),
        {
            "method": "permuted_blocks",
            "block_sizes": "3",
            "bottles_per_stratum": "10",
            "spares": "0",
        },
    )
    assert response.status_code == 200
    assert "Every block size must be a multiple of 2 (the ratio 1:1)." in response.content.decode()
    assert not RandomizationList.objects.exists()


def test_import_a_list_from_the_page(trial, users):
    content = b"bottle_number,arm_code\n1,placebo\n2,vitamin_k2\n3,vitamin_k2\n4,placebo\n"
    client = signed_in(users["unblinded_statistician"])
    response = client.post(
        reverse("diary:randomization_list_import"),
        {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 302
    rlist = RandomizationList.objects.get()
    assert rlist.parameters["file_sha256"] == hashlib.sha256(content).hexdigest()
    canonical = (
        b"bottle_number,arm_code,block,stratum\n"
        b"1,placebo,,\n2,vitamin_k2,,\n3,vitamin_k2,,\n4,placebo,,\n"
    )
    assert rlist.sha256 == hashlib.sha256(canonical).hexdigest()


def test_import_of_a_bad_list_lists_every_problem(trial, users):
    content = b"bottle_number,arm_code\n1,placebo\n1,vitamin_k2\n3,mystery\n"
    client = signed_in(users["unblinded_statistician"])
    response = client.post(
        reverse("diary:randomization_list_import"),
        {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Duplicate bottle numbers: 1.",
        "Bottle numbers must run without gaps; missing: 2.",
        "Unknown arm codes: mystery",
    ):
        assert message in page
    assert not RandomizationList.objects.exists()


def test_download_is_the_canonical_list_whose_sha256_is_the_fingerprint(randomized, users):
    response = signed_in(users["unblinded_statistician"]).get(
        reverse("diary:randomization_list_download")
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="randomization-list-VITK2-NLC.csv"'
    )
    assert hashlib.sha256(response.content).hexdigest() == RandomizationList.objects.get().sha256
    assert "no-store" in response["Cache-Control"]


def test_discard_and_freeze_from_the_page(trial, users):
    make_list(trial)
    client = signed_in(users["unblinded_statistician"])
    client.post(reverse("diary:randomization_list_freeze"))
    assert RandomizationList.objects.get().is_frozen
    response = client.post(reverse("diary:randomization_list_discard"), follow=True)
    assert "it cannot be discarded" in response.content.decode()
    assert RandomizationList.objects.exists()


def test_lock_unlock_and_unblind_from_the_page(trial, users):
    client = signed_in(users["unblinded_statistician"])
    url = reverse("diary:trial_lock")
    assert client.post(url, {"action": "lock", "lock-reason": ""}).status_code == 302
    response = client.post(url, {"action": "unlock", "unlock-reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(url, {"action": "unblind", "unblind-password": "wrong"})
    assert "The password is not correct." in response.content.decode()
    assert client.post(url, {"action": "unblind", "unblind-password": PASSWORD}).status_code == 302
    trial.refresh_from_db()
    assert trial.is_locked and trial.unblinded_at is not None
    assert list(TrialEvent.objects.values_list("kind", flat=True)) == ["unblind", "lock"]


def test_coordinator_gets_a_replacement_bottle_number_and_no_arm(randomized, users):
    client = signed_in(users["coordinator"])
    url = reverse("diary:bottle_replacement", args=[randomized.participant_id])
    response = client.post(url, {"reason": "dropped and broke"}, follow=True)
    page = response.content.decode()
    allocation = randomized.allocations.get(kind="replacement")
    assert f"Replacement bottle {allocation.bottle_number} assigned" in page
    assert "dropped and broke" in page
    assert not [w for w in _arm_words(randomized.trial) if w in page.lower()]


def test_replacement_without_reason_is_refused_on_the_form(randomized, users):
    client = signed_in(users["coordinator"])
    url = reverse("diary:bottle_replacement", args=[randomized.participant_id])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert not randomized.allocations.filter(kind="replacement").exists()


def test_investigator_sees_the_arm_once_and_never_again(
    randomized, users, django_capture_on_commit_callbacks, mailoutbox
):
    coordinator = users["coordinator"]
    coordinator.email = "coordinator@example.org"
    coordinator.save()
    client = signed_in(users["investigator"])
    url = reverse("diary:emergency_unblinding", args=[randomized.participant_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "SAE", "password": PASSWORD, "confirm": "on"})
    code = participant_arm_codes(trial=randomized.trial)[randomized.participant_id]
    arm = randomized.trial.arms.get(code=code)
    assert response.status_code == 200
    assert arm.label in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client.get(url).content.decode()
    assert arm.label not in again and "is not shown again" in again
    assert (
        client.post(url, {"reason": "x", "password": PASSWORD, "confirm": "on"}).status_code == 200
    )
    assert EmergencyUnblinding.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["coordinator@example.org"]]


def test_wrong_password_shows_on_the_form_and_records_nothing(randomized, users):
    client = signed_in(users["investigator"])
    url = reverse("diary:emergency_unblinding", args=[randomized.participant_id])
    response = client.post(url, {"reason": "SAE", "password": "nope", "confirm": "on"})
    assert "The password is not correct." in response.content.decode()
    assert not EmergencyUnblinding.objects.exists()


def test_investigator_of_another_site_gets_not_found(randomized, site_c2):
    other = make_user("investigator", site_c2, username="inv-c2")
    url = reverse("diary:emergency_unblinding", args=[randomized.participant_id])
    assert signed_in(other).get(url).status_code == 404


# ---- admin ------------------------------------------------------------------------


def test_blinded_staff_cannot_open_the_list_in_the_admin(randomized, users):
    client = signed_in(users["coordinator"])
    for name in ("admin:diary_randomizationlist_changelist", "admin:diary_listentry_changelist"):
        assert client.get(reverse(name)).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "Randomization lists" not in index and "List entries" not in index
    allocations = client.get(reverse("admin:diary_allocation_changelist")).content.decode()
    assert randomized.participant_id in allocations
    assert not [w for w in _arm_words(randomized.trial) if w in allocations.lower()]


def test_a_superuser_without_the_unblinded_role_cannot_see_arms(randomized):
    admin_user = get_user_model().objects.create_superuser("root", "r@example.org", PASSWORD)
    client = signed_in(admin_user)
    assert client.get(reverse("admin:diary_listentry_changelist")).status_code == 403


def test_unblinded_statistician_reads_the_frozen_list_in_the_admin_but_cannot_change_it(
    randomized, users
):
    client = signed_in(users["unblinded_statistician"])
    rlist = RandomizationList.objects.get()
    page = client.get(reverse("admin:diary_randomizationlist_change", args=[rlist.pk]))
    assert page.status_code == 200 and rlist.sha256 in page.content.decode()
    assert "matches its fingerprint" in page.content.decode()
    entries = client.get(reverse("admin:diary_listentry_changelist")).content.decode()
    assert "placebo" in entries and "vitamin_k2" in entries
    entry = rlist.entries.get(bottle_number=1)
    assert client.post(reverse("admin:diary_listentry_delete", args=[entry.pk])).status_code == 403
    response = client.post(reverse("admin:diary_randomizationlist_delete", args=[rlist.pk]))
    assert response.status_code == 403
    assert rlist.entries.count() > 0
