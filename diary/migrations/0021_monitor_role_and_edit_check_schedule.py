"""The monitor role (blinded, at their sites: reads, raises queries, verifies source
data; no admin), the coordinators' view of data management in the admin, and the
daily schedule that runs the declared edit checks."""

import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

SCHEDULE = "Edit checks (daily)"
DATA_MANAGEMENT_MODELS = (
    "query",
    "querystep",
    "sdvmark",
    "signature",
    "casebook",
    "casebookevent",
    "triallockwaiver",
)


def install(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="monitor")
    coordinator, _ = Group.objects.get_or_create(name="coordinator")
    coordinator.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="diary",
            codename__in=[f"view_{model}" for model in DATA_MANAGEMENT_MODELS],
        )
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if PeriodicTask.objects.filter(name=SCHEDULE).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="4", day_of_month="*", month_of_year="*", day_of_week="*"
    )
    PeriodicTask.objects.create(
        name=SCHEDULE,
        task="diary.run_edit_checks",
        crontab=crontab,
        kwargs=json.dumps({}),
        description=(
            "Runs every edit check declared with the records on every participant's "
            "records: raises the queries of values that fire a check (an adverse event "
            "without an outcome 30 days after its onset, imported data), and closes open "
            "ones whose value no longer does."
        ),
        enabled=True,
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE).delete()
    apps.get_model("auth", "Group").objects.filter(name="monitor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0020_data_management"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
