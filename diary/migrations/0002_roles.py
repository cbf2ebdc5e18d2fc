"""The five roles, as auth groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "research_assistant",
    "coordinator",
    "statistician",
    "unblinded_statistician",
    "investigator",
]

# Coordinators manage the trial in the admin: they view, add and change clinical
# records (never delete: nothing is lost) but never see the randomization list.
COORDINATOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in (
        "site",
        "screeningrecord",
        "participant",
        "diaryweek",
        "adverseevent",
        "siteassignment",
    )
    for action in ("view", "add", "change")
] + ["view_trial", "view_eligibilitycriterion", "view_protocolweek"]

UNBLINDED_PERMISSIONS = ["view_randomizationlist", "view_listentry", "add_randomizationlist"]


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    coordinator = Group.objects.get(name="coordinator")
    coordinator.permissions.set(
        Permission.objects.filter(content_type__app_label="diary", codename__in=COORDINATOR_PERMISSIONS)
    )
    unblinded = Group.objects.get(name="unblinded_statistician")
    unblinded.permissions.set(
        Permission.objects.filter(content_type__app_label="diary", codename__in=UNBLINDED_PERMISSIONS)
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
