import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import override_settings

from diary.checks import randomization_list_intact
from tests.factories import make_list


def test_check_does_not_touch_the_database_unless_asked(trial, django_assert_num_queries):
    make_list(trial)
    with django_assert_num_queries(0):
        assert randomization_list_intact(databases=None) == []


def test_intact_list_passes(trial):
    make_list(trial)
    assert randomization_list_intact(databases=["default"]) == []


def test_list_changed_behind_the_orm_fails_the_startup_check(trial):
    rlist = make_list(trial)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE diary_listentry SET stratum = 'x' WHERE randomization_list_id = %s "
            "AND bottle_number = 1",
            [rlist.pk],
        )
    problems = randomization_list_intact(databases=["default"])
    assert [p.id for p in problems] == ["diary.E001"]
    with pytest.raises(SystemCheckError, match="does not match its fingerprint"):
        call_command("check", "--deploy", "--database", "default", "--tag", "randomization_list")


def test_list_sealed_with_another_key_fails_the_startup_check(trial):
    make_list(trial)
    with override_settings(ALLOCATION_KEY="b" * 43 + "="):
        problems = randomization_list_intact(databases=["default"])
    assert [p.id for p in problems] == ["diary.E002"]


def test_migrate_does_not_run_the_check(trial):
    from django.core import checks

    registered = [c for c in checks.registry.registry.get_checks(include_deployment_checks=False)]
    assert randomization_list_intact not in registered
