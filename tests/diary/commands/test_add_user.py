import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from diary.models import StaffAccessChange


def test_add_user_creates_a_site_bound_assistant(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    call_command(
        "add_user",
        "alice",
        "--role",
        "research_assistant",
        "--site",
        "C2",
        "--email",
        "alice@trial.test",
        "--password-env",
        "NEW_PW",
    )
    alice = get_user_model().objects.get(username="alice")
    assert list(alice.groups.values_list("name", flat=True)) == ["research_assistant"]
    assert list(alice.site_assignments.values_list("site__code", flat=True)) == ["C2"]
    assert alice.check_password("a-long-test-password")
    assert not alice.is_staff


def test_add_user_updates_role_and_sites(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    call_command(
        "add_user",
        "bob",
        "--role",
        "research_assistant",
        "--site",
        "C1",
        "--email",
        "bob@trial.test",
        "--password-env",
        "NEW_PW",
    )
    call_command(
        "add_user",
        "bob",
        "--role",
        "coordinator",
        "--email",
        "bob@trial.test",
        "--password-env",
        "NEW_PW",
        "--reason",
        "now coordinates the trial",
    )
    bob = get_user_model().objects.get(username="bob")
    assert list(bob.groups.values_list("name", flat=True)) == ["coordinator"]
    assert bob.is_staff
    assert not bob.site_assignments.exists()


def test_add_user_refuses_an_unknown_site(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    with pytest.raises(CommandError, match="Unknown site: ZZ"):
        call_command(
            "add_user",
            "carol",
            "--role",
            "research_assistant",
            "--email",
            "carol@trial.test",
            "--site",
            "ZZ",
            "--password-env",
            "NEW_PW",
        )
    assert not get_user_model().objects.filter(username="carol").exists()


def test_add_user_refuses_a_weak_password(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "123")
    with pytest.raises(CommandError, match="password: This password is too short"):
        call_command(
            "add_user",
            "dave",
            "--role",
            "coordinator",
            "--email",
            "dave@trial.test",
            "--password-env",
            "NEW_PW",
        )


def test_add_user_prompts_for_the_password_when_no_env(trial, monkeypatch):
    answers = iter(["a-long-test-password", "a-long-test-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("add_user", "erin", "--role", "statistician")
    assert get_user_model().objects.get(username="erin").check_password("a-long-test-password")


def test_site_bound_role_needs_a_site(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    with pytest.raises(CommandError, match="needs at least one"):
        call_command("add_user", "fay", "--role", "investigator", "--password-env", "NEW_PW")


PASSWORD = "a-long-test-password"


def _add(username, *args, password=PASSWORD, monkeypatch):
    monkeypatch.setenv("NEW_PW", password)
    call_command("add_user", username, *args, "--password-env", "NEW_PW")


def test_add_user_records_the_account_in_the_audit_trail(trial, monkeypatch, tmp_path):
    _add(
        "gina",
        "--role",
        "investigator",
        "--site",
        "C1",
        "--email",
        "gina@trial.test",
        monkeypatch=monkeypatch,
    )
    _add(
        "gina",
        "--role",
        "investigator",
        "--site",
        "C1",
        "--site",
        "C2",
        "--reason",
        "also investigates at C2",
        monkeypatch=monkeypatch,
    )
    gina = get_user_model().objects.get(username="gina")
    created, changed = StaffAccessChange.objects.filter(user=gina).order_by("changed_at", "pk")
    assert created.changes == {
        "role": [None, "investigator"],
        "sites": [None, ["C1"]],
        "email": [None, "gina@trial.test"],
        "active": [None, True],
    }
    assert changed.changes == {"sites": [["C1"], ["C1", "C2"]]}
    assert changed.reason == "also investigates at C2"
    assert changed.via == "add_user" and changed.changed_by is None
    assert changed.changed_by_name  # the operating-system user who ran the command

    path = tmp_path / "history.csv"
    call_command("export_history", str(path), stdout=io.StringIO())
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8")) if r["model"] == "staff.access"]
    assert [r["type"] for r in rows if r["object_id"] == str(gina.pk)][:2] == [
        "created",
        "changed",
    ]
    change = next(r for r in rows if r["type"] == "changed" and r["object_id"] == str(gina.pk))
    assert change["changes"] == "sites: C1 -> C1, C2"
    assert change["change_reason"] == "also investigates at C2"


def test_add_user_needs_a_reason_to_change_an_account(trial, monkeypatch):
    _add("hal", "--role", "statistician", monkeypatch=monkeypatch)
    with pytest.raises(CommandError, match="Give the reason for changing role"):
        _add(
            "hal",
            "--role",
            "investigator",
            "--site",
            "C1",
            "--email",
            "h@t.test",
            monkeypatch=monkeypatch,
        )
    assert get_user_model().objects.get(username="hal").groups.get().name == "statistician"


@pytest.mark.parametrize(
    "role", ["research_assistant", "coordinator", "investigator", "unblinded_statistician"]
)
def test_add_user_requires_an_email_for_roles_that_receive_alerts(trial, monkeypatch, role):
    sites = ["--site", "C1"] if role in ("research_assistant", "investigator") else []
    with pytest.raises(CommandError, match="receives alerts: give an email address"):
        _add("ivy", "--role", role, *sites, monkeypatch=monkeypatch)
    assert not get_user_model().objects.filter(username="ivy").exists()


@pytest.mark.parametrize(
    "password, message",
    [
        ("aaaaaaaaaaaa", "too few different characters"),
        ("jacqueline-k", "too similar to the username"),
        ("jacqueline-k-2024", "contains the username"),
        ("123456789012", "entirely numeric"),
    ],
)
def test_add_user_applies_the_password_validators(trial, monkeypatch, password, message):
    with pytest.raises(CommandError, match=message):
        _add("jacqueline-k", "--role", "statistician", password=password, monkeypatch=monkeypatch)
    assert not get_user_model().objects.filter(username="jacqueline-k").exists()


def test_set_password_checks_records_and_revokes_tokens(trial, monkeypatch):
    from diary.services.api_tokens import api_token_create

    _add("kim", "--role", "statistician", monkeypatch=monkeypatch)
    kim = get_user_model().objects.get(username="kim")
    api_token_create(user=kim)
    monkeypatch.setenv("NEW_PW", "kimkimkimkim")
    with pytest.raises(CommandError, match="password: "):
        call_command("set_password", "kim", "--password-env", "NEW_PW")
    monkeypatch.setenv("NEW_PW", "another-long-passphrase-9")
    call_command("set_password", "kim", "--password-env", "NEW_PW", stdout=io.StringIO())
    kim.refresh_from_db()
    assert kim.check_password("another-long-passphrase-9")
    assert not kim.auth_token_set.exists()
    assert StaffAccessChange.objects.filter(user=kim, kind="password", via="set_password").exists()
