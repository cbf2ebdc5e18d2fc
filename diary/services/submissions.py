"""A create form is recorded once (diary.models.FormSubmission)."""

from uuid import UUID

from django.db import IntegrityError, transaction

from diary.errors import AlreadySubmitted
from diary.models import FormSubmission


def submission_claim(*, key: UUID, by_user) -> None:
    """Claim the form's key, in the caller's transaction with what the form creates
    (a failure of that rolls the claim back, so the corrected form can be sent).
    Raises AlreadySubmitted when the key was claimed before, by a committed
    submission or, waiting on it, a concurrent one."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=key, by_user=by_user)
    except IntegrityError:
        raise AlreadySubmitted(
            "This form was sent already: what it holds is recorded once."
        ) from None
