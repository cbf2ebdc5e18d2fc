"""The schedule (editable in the admin) that sends the participants' diary
reminders: every five minutes it sends those due (diary.services.reminders)."""

import json

from django.db import migrations

NAME = "Diary reminders"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.create(
        name=NAME,
        task="diary.send_diary_reminders",
        interval=every_five,
        kwargs=json.dumps({}),
        description=(
            "Reminds each participant who asked for it, at their time in their time zone and "
            "never in the quiet hours, to fill in last night's diary (once a day, by email "
            "or text message, only when last night is missing)."
        ),
        enabled=True,
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0022_electronic_diary"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
