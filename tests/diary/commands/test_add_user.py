import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_add_user_creates_a_site_bound_assistant(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    call_command(
        "add_user",
        "alice",
        "--role",
        "research_assistant",
        "--site",
        "C2",
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
        "--password-env",
        "NEW_PW",
    )
    call_command("add_user", "bob", "--role", "coordinator", "--password-env", "NEW_PW")
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
            "--site",
            "ZZ",
            "--password-env",
            "NEW_PW",
        )
    assert not get_user_model().objects.filter(username="carol").exists()


def test_add_user_refuses_a_weak_password(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "123")
    with pytest.raises(CommandError):
        call_command("add_user", "dave", "--role", "coordinator", "--password-env", "NEW_PW")


def test_add_user_prompts_for_the_password_when_no_env(trial, monkeypatch):
    answers = iter(["a-long-test-password", "a-long-test-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("add_user", "erin", "--role", "statistician")
    assert get_user_model().objects.get(username="erin").check_password("a-long-test-password")


def test_site_bound_role_needs_a_site(trial, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a-long-test-password")
    with pytest.raises(CommandError, match="needs at least one"):
        call_command("add_user", "fay", "--role", "investigator", "--password-env", "NEW_PW")
