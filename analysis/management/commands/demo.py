"""python manage.py demo: prepare the embedded database with the reference trial and
one account per role. Safe to run again."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, configure the reference trial and create the demo accounts."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("setup_trial", preset="vitk2-nlc-2024", stdout=self.stdout)
        call_command("demo_users", stdout=self.stdout)
