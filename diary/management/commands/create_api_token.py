"""python manage.py create_api_token USERNAME [--days N]: a new API token, printed once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from diary.errors import TrialError
from diary.services.api_tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for an account and print it (only its hash is stored, so it "
        "cannot be shown again). It expires after --days (default API_TOKEN_TTL_DAYS) and "
        "is revoked when the account's password changes or the account is deactivated."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, help="Days the token is valid.")

    def handle(self, *args, username, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no account named {username}.")
        ttl = timedelta(days=days) if days is not None else None
        try:
            token, key = api_token_create(user=user, ttl=ttl)
        except TrialError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from exc
        expiry = timezone.localtime(token.expiry).strftime("%Y-%m-%d %H:%M %Z")
        self.stderr.write(f"Token for {username}, valid until {expiry}:")
        self.stdout.write(key)
