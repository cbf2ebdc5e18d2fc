"""The default schedules (django-celery-beat, editable in the admin) and the
coordinators' right to manage schedules there.

Defaults: a nightly blinded data export, a weekly blinded progress report, a daily
overdue-call digest to each site's research assistants, a one-minute catch-up of
serious adverse event alerts, and the nightly removal of exports and reports older
than ARTIFACT_RETENTION_DAYS.
"""

import json

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

SCHEDULE_MODELS = (
    "periodictask",
    "crontabschedule",
    "intervalschedule",
    "solarschedule",
    "clockedschedule",
)
SCHEDULE_PERMISSIONS = [
    f"{action}_{model}" for model in SCHEDULE_MODELS for action in ("view", "add", "change", "delete")
]

# name, task, crontab (minute, hour, day_of_week) or None for every minute, kwargs, description
DEFAULTS = [
    (
        "Nightly data export (blinded)",
        "diary.scheduled_data_export",
        ("0", "2", "*"),
        {"formats": ["package", "xlsx", "spss", "stata", "codebook"]},
        "The trial's data in every export format, blinded, stored under Exports.",
    ),
    (
        "Weekly progress report (blinded)",
        "diary.weekly_progress_report",
        ("0", "7", "1"),
        {},
        "Enrolment, calls, overdue participants, withdrawals, adverse events and data "
        "completeness by site, emailed to the coordinators and stored under Exports.",
    ),
    (
        "Daily overdue-call digest",
        "diary.overdue_call_digest",
        ("0", "7", "*"),
        {},
        "Emails each site's research assistants the calls that are overdue at their site.",
    ),
    (
        "Serious adverse event alerts (catch-up)",
        "diary.sae_alert_sweep",
        None,
        {},
        "Alerts any serious adverse event not alerted yet (each is alerted once).",
    ),
    (
        "Remove old exports",
        "diary.prune_exports",
        ("30", "3", "*"),
        {},
        "Removes exports and progress reports older than ARTIFACT_RETENTION_DAYS.",
    ),
    (
        "Remove old reports",
        "analysis.prune_reports",
        ("45", "3", "*"),
        {},
        "Removes analysis reports older than ARTIFACT_RETENTION_DAYS.",
    ),
]


def install(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    coordinator, _ = Group.objects.get_or_create(name="coordinator")
    coordinator.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_celery_beat", codename__in=SCHEDULE_PERMISSIONS
        )
    )

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    zone = getattr(settings, "CELERY_TIMEZONE", None) or settings.TIME_ZONE
    for name, task, cron, kwargs, description in DEFAULTS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule = {}
        if cron is None:
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=1, period="minutes"
            )
        else:
            minute, hour, day_of_week = cron
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_week=day_of_week,
                day_of_month="*",
                month_of_year="*",
                timezone=zone,
            )
        PeriodicTask.objects.create(
            name=name,
            task=task,
            kwargs=json.dumps(kwargs),
            description=description,
            enabled=True,
            **schedule,
        )


def uninstall(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[d[0] for d in DEFAULTS]).delete()
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="coordinator"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="django_celery_beat", codename__in=SCHEDULE_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0005_exports_and_outbox"),
        ("diary", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
