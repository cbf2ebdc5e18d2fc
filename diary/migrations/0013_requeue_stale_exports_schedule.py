"""A schedule (editable in the admin) that, every ten minutes, removes what killed
export jobs left behind and queues again the exports and progress reports whose job
the broker lost, as analysis's requeue_stale_reports does for reports."""

import json

from django.db import migrations

NAME = "Re-queue lost export jobs"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.create(
        name=NAME,
        task="diary.requeue_stale_exports",
        interval=every_ten,
        kwargs=json.dumps({}),
        description=(
            "Removes files left by killed export jobs, and queues again any export or "
            "progress report still queued after 10 minutes, or running longer than the "
            "broker's visibility timeout (its worker died and the job was lost)."
        ),
        enabled=True,
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0012_schedule_run_requests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
