"""python manage.py diary_link PARTICIPANT_ID [--revoke REASON]

Prints a new personal diary link for the participant (any previous one stops
working), or revokes their link. The link is shown once: only its hash is stored."""

from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.models import Participant
from diary.services.diary_links import diary_link_issue, diary_links_revoke, diary_url


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("participant_id")
        parser.add_argument("--revoke", metavar="REASON", help="Revoke the live link instead.")

    def handle(self, *args, participant_id, revoke, **options):
        participant = Participant.objects.filter(participant_id=participant_id).first()
        if participant is None:
            raise CommandError(f"No participant {participant_id!r}.")
        try:
            if revoke is not None:
                count = diary_links_revoke(participant=participant, by_user=None, reason=revoke)
                self.stdout.write(f"Revoked {count} link(s) of {participant_id}.")
                return
            _, token = diary_link_issue(participant=participant, by_user=None)
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(diary_url(token))
