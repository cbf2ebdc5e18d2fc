"""python manage.py demo_users: one account per role, for trying the app locally."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diary.models import Site
from diary.roles import SITE_BOUND_ROLES, Role
from diary.services.users import user_upsert

DEMO_PASSWORD = "demo-trial-2024"  # noqa: S105 - documented demo accounts, refused in production


class Command(BaseCommand):
    help = f"Create demo accounts (password {DEMO_PASSWORD!r}) for every role."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for local use only (DJANGO_DEBUG is off).")
        sites = list(Site.objects.values_list("code", flat=True))
        if not sites:
            raise CommandError("Configure the trial first (setup_trial).")
        for role in Role:
            site_codes = sites[:1] if role in SITE_BOUND_ROLES else []
            user_upsert(
                username=role.value.replace("_", "-"),
                role=role,
                site_codes=site_codes,
                password=DEMO_PASSWORD,
                check_password=False,
                email_required=False,
                via="demo_users",
            )
            self.stdout.write(f"  {role.value.replace('_', '-'):24} {role.label}")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts ready; password: {DEMO_PASSWORD}"))
