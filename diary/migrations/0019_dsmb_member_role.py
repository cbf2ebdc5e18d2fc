"""The DSMB member role, as an auth group without model permissions: its members read
only the closed reports released to them (analysis.selectors.reports)."""

from django.db import migrations

NAME = "dsmb_member"


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=NAME)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0018_trial_analysis_plan"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
