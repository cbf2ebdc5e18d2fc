"""The participant's personal diary link: no account, a long random token of which
only the SHA-256 is stored, so the database never holds a working link.

A participant has at most one live link: issuing one revokes the previous. Staff
revoke a link (a lost phone), and a link answers nothing once the participant
withdrew or follow-up ended (diary.selectors.diary_links). Staff send the link by
email or text message from the participant page: the message is made when sent,
in the participant's language, and sent once through the outbox."""

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from diary.errors import InvalidValue, RuleConflict
from diary.models import DiaryLink, OutboxMessage, Participant, ReminderChannel
from diary.selectors.diary_links import diary_open, diary_preferences
from diary.services.audit import free_text
from diary.services.outbox import email_message, outbox_send
from diary.sms import SmsMessage

TOKEN_BYTES = 32  # 43 URL-safe characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def diary_url(token: str, *, base_url: str | None = None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + reverse("own_diary:home", args=[token])


def _who(by_user) -> str:
    return by_user.get_username() if by_user is not None else "system"


@transaction.atomic
def diary_link_issue(*, participant: Participant, by_user) -> tuple[DiaryLink, str]:
    """A new link for the participant (the previous one, if any, is revoked). Returns
    the link and its token, which is shown or sent once and never stored."""
    participant = Participant.objects.select_for_update(of=("self",)).get(pk=participant.pk)
    if not diary_open(participant):
        raise RuleConflict(
            f"{participant.participant_id} no longer keeps the diary (withdrawn or follow-up "
            "ended); no link can be issued.",
            field="participant",
        )
    diary_links_revoke(participant=participant, by_user=by_user, reason="Replaced by a new link")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = DiaryLink.objects.create(
        participant=participant,
        token_hash=token_hash(token),
        created_by=by_user,
        created_by_name=_who(by_user),
    )
    return link, token


def diary_links_revoke(*, participant: Participant, by_user, reason: str) -> int:
    """Revoke the participant's live link; returns how many were revoked."""
    reason = free_text(reason)
    if not reason:
        raise InvalidValue("Give the reason the link is revoked.", field="reason")
    return DiaryLink.objects.filter(participant=participant, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by_name=_who(by_user), revoke_reason=reason[:300]
    )


def diary_link_send(
    *, participant: Participant, channel: str, by_user, base_url: str | None = None
) -> OutboxMessage | None:
    """Issue a new link and send it to the participant by email or text message, in
    their language (once, through the outbox). Refused when the participant has no
    address for that channel."""
    preferences = diary_preferences(participant)
    if channel == ReminderChannel.EMAIL:
        address = preferences.email
    elif channel == ReminderChannel.SMS:
        address = participant.phone
    else:
        raise InvalidValue("Choose email or text message.", field="channel")
    if not address:
        what = "email address" if channel == ReminderChannel.EMAIL else "phone number"
        raise RuleConflict(
            f"{participant.participant_id} has no {what} to send the link to.", field="channel"
        )
    link, token = diary_link_issue(participant=participant, by_user=by_user)
    url = diary_url(token, base_url=base_url)

    def compose():
        with translation.override(preferences.language):
            context = {"participant": participant, "url": url}
            text = render_to_string("own_diary/messages/link.txt", context).strip()
            subject = render_to_string("own_diary/messages/link_subject.txt", context).strip()
        if channel == ReminderChannel.EMAIL:
            return email_message(subject=subject, to=[address], text=text)
        return SmsMessage(to=address, body=text, subject=subject)

    return outbox_send(
        key=f"diary-link:{link.pk}",
        kind=OutboxMessage.Kind.DIARY_LINK,
        compose=compose,
        subject=f"Diary link for {participant.participant_id}",
    )
