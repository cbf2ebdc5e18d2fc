"""python manage.py add_user USERNAME --role ROLE [--site CODE ...] [--email ADDRESS]
[--password-env VAR] [--reason TEXT]"""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.roles import Role
from diary.services.users import user_upsert


class Command(BaseCommand):
    help = (
        "Create or update a staff account with one role and, for site-bound roles, its "
        "sites. Every change is recorded in the audit trail; changing an existing "
        "account needs --reason."
    )

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
        parser.add_argument(
            "--email",
            default="",
            help="Required for the roles the trial office writes to (all but statistician).",
        )
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )
        parser.add_argument(
            "--reason",
            default="",
            help="Why an existing account's role, sites or email change (audit trail).",
        )

    def handle(self, *args, username, role, sites, email, password_env, reason, **options):
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
                username=username,
                role=role,
                site_codes=sites,
                password=password,
                email=email,
                reason=reason,
                via="add_user",
            )
        except TrialError as exc:
            field = {"site": "--site", "reason": "--reason", "email": "--email"}.get(
                exc.field, exc.field
            )
            raise CommandError(f"{field}: {exc.message}" if field else exc.message) from exc
        where = ", ".join(sites) if sites else "all sites"
        self.stdout.write(self.style.SUCCESS(f"{user.username}: {role} ({where})"))
