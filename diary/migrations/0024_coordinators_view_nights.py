"""Coordinators read the participants' diary nights and their cramps in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("night", "crampevent")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    coordinator, _ = Group.objects.get_or_create(name="coordinator")
    coordinator.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="diary", codename__in=[f"view_{m}" for m in MODELS]
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    coordinator = apps.get_model("auth", "Group").objects.filter(name="coordinator").first()
    if coordinator is not None:
        coordinator.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="diary", codename__in=[f"view_{m}" for m in MODELS]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("diary", "0023_diary_reminders_schedule")]

    operations = [migrations.RunPython(grant, revoke)]
