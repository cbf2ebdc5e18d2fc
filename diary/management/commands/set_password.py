"""python manage.py set_password USERNAME [--password-env VAR]: a new password for an
account, checked by the password validators, recorded, and revoking its API tokens."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.services.users import staff_password_set


class Command(BaseCommand):
    help = (
        "Set a new password for an account (the password validators apply; the change "
        "is recorded and the account's API tokens are revoked)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )

    def handle(self, *args, username, password_env, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no account named {username}.")
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"Environment variable {password_env} is empty or unset.")
        else:
            password = getpass.getpass(f"New password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            staff_password_set(user=user, password=password, via="set_password")
        except TrialError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{username}: password set; API tokens revoked."))
