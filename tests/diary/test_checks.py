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
    from diary.crypto import seal_text

    rlist = make_list(trial)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE diary_listentry SET stratum_sealed = %s WHERE randomization_list_id = %s "
            "AND bottle_number = 1",
            [seal_text("x"), rlist.pk],
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


# -- who is alerted ---------------------------------------------------------------------


def _alerts(**kwargs):
    from diary.checks import alert_recipients

    return alert_recipients(databases=["default"], **kwargs)


def _with_email(user):
    user.email = f"{user.username}@trial.test"
    user.save()
    return user


def test_a_site_with_nobody_to_alert_is_warned_about(trial, site_c1):
    from tests.factories import make_user

    _with_email(make_user("investigator", site_c1))
    _with_email(make_user("unblinded_statistician"))
    problems = _alerts()
    assert [(p.id, p.msg) for p in problems] == [
        (
            "diary.W002",
            "Nobody would be alerted of a serious adverse event at site C2: no active "
            "coordinator, nor investigator of the site, has an email address.",
        )
    ]


def test_nobody_to_tell_of_an_emergency_unblinding_is_warned_about(trial, site_c1, site_c2):
    from tests.factories import make_user

    for site in (site_c1, site_c2):
        _with_email(make_user("investigator", site))
    assert [p.id for p in _alerts()] == ["diary.W003"]


def test_everyone_reachable_passes(trial):
    from tests.factories import make_user

    _with_email(make_user("coordinator"))
    assert _alerts() == []


def test_the_alert_check_reads_the_database_only_when_asked(trial, django_assert_num_queries):
    from diary.checks import alert_recipients

    with django_assert_num_queries(0):
        assert alert_recipients(databases=None) == []


# -- the client's address behind a reverse proxy ------------------------------------------


def test_a_proxy_without_a_trusted_client_address_is_warned_about(settings):
    from diary.checks import client_address_behind_proxy

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 0
    assert [p.id for p in client_address_behind_proxy()] == ["diary.W004"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address_behind_proxy() == []
