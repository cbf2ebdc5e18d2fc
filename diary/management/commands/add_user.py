"""python manage.py add_user USERNAME --role ROLE [--site CODE ...] [--password-env VAR]"""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.roles import Role
from diary.services.users import user_upsert


class Command(BaseCommand):
    help = "Create or update a staff account with one role and, for site-bound roles, its sites."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--site",
            action="append",
            default=[],
            dest="sites",
            metavar="CODE",
            help="A site the user works at (repeat for several).",
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )

    def handle(self, *args, username, role, sites, email, password_env, **options):
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"Environment variable {password_env} is empty or unset.")
        else:
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = user_upsert(
                username=username, role=role, site_codes=sites, password=password, email=email
            )
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        where = ", ".join(sites) if sites else "all sites"
        self.stdout.write(self.style.SUCCESS(f"{user.username}: {role} ({where})"))
