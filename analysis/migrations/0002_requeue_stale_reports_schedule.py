"""A schedule (editable in the admin) that queues again the reports whose job the
broker lost, every ten minutes."""

import json

from django.db import migrations

NAME = "Re-queue lost report jobs"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.create(
        name=NAME,
        task="analysis.requeue_stale_reports",
        interval=every_ten,
        kwargs=json.dumps({}),
        description=(
            "Queues again any report still queued after 10 minutes, or running longer than "
            "the broker's visibility timeout (its worker died and the job was lost)."
        ),
        enabled=True,
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_report_files_and_downloads"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
