"""Which diary link a token opens, whether a participant still keeps the diary, and
their diary preferences."""

import hashlib
from datetime import date, timedelta

from django.utils import timezone

from diary.models import DiaryLink, DiaryPreferences, Participant
from diary.services.nights import participant_follow_up_end

# A link's last use is written at most this often (not on every page).
LAST_USED_EVERY = timedelta(minutes=5)


def diary_open(participant: Participant, *, today: date | None = None) -> bool:
    """True while the participant keeps the diary: not withdrawn, and follow-up not
    ended (the morning after its last night included, to report that night)."""
    today = today or timezone.localdate()
    if participant.withdrawn_on is not None:
        return False
    end = participant_follow_up_end(participant)
    return end is None or today <= end + timedelta(days=1)


def diary_link_for_token(token: str, *, today: date | None = None) -> DiaryLink | None:
    """The live link of `token` with its participant, or None (unknown, revoked, or
    the participant no longer keeps the diary)."""
    if not token or len(token) > 128:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    link = (
        DiaryLink.objects.select_related("participant__trial", "participant__site")
        .filter(token_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if link is None or not diary_open(link.participant, today=today):
        return None
    now = timezone.now()
    if link.last_used_at is None or now - link.last_used_at > LAST_USED_EVERY:
        DiaryLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def diary_preferences(participant: Participant) -> DiaryPreferences:
    """The participant's preferences (the defaults, unsaved, when none are stored)."""
    found = DiaryPreferences.objects.filter(participant=participant).first()
    return found or DiaryPreferences(participant=participant)


def live_link(participant: Participant) -> DiaryLink | None:
    return DiaryLink.objects.filter(participant=participant, revoked_at__isnull=True).first()
