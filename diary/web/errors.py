"""The one place where the domain's errors become form errors.

A service raises a TrialError whose `errors` map its own field names to messages;
here each message lands on the form field it concerns (forms may rename a service
field through `service_fields`), or at the top of the form when no field fits.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.db import transaction
from django.utils.translation import gettext

from diary.errors import AlreadySubmitted, TrialError
from diary.services.submissions import submission_claim

T = TypeVar("T")


def form_field_for(form: forms.BaseForm, service_field: str | None) -> str | None:
    """The form field that shows an error about `service_field`, or None (form-wide)."""
    if not service_field or service_field == "__all__":
        return None
    name = getattr(form, "service_fields", {}).get(service_field, service_field)
    if name not in form.fields or form.fields[name].widget.is_hidden:
        return None
    return name


def add_trial_error(form: forms.BaseForm, exc: TrialError) -> None:
    """Put a domain error's messages on the form."""
    errors = exc.errors or {exc.field: [exc.message]}
    for service_field, messages in errors.items():
        name = form_field_for(form, service_field)
        for message in messages:
            # A service's fixed messages are marked for translation (gettext_noop);
            # the others are shown as they are.
            message = gettext(message)
            if name and name in form.errors and message in form.errors[name]:
                continue
            form.add_error(name, message)


def run_service(form: forms.BaseForm, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call a service with the form's parsed values; on a domain error, put its
    messages on the form and return None (the form is then invalid)."""
    try:
        return service(**kwargs)
    except TrialError as exc:
        add_trial_error(form, exc)
        return None


def run_service_once(
    form: forms.BaseForm, service: Callable[..., T], /, *, by_user, **kwargs: Any
) -> tuple[T | None, bool]:
    """`run_service` for a create form carrying a key (forms.base.submission_field):
    (what the service returned, False), or (None, True) when the same form was sent
    before and its record is there already. A form without a key simply runs."""
    key = form.cleaned_data.get("submission")
    try:
        with transaction.atomic():
            if key is not None:
                submission_claim(key=key, by_user=by_user)
            return service(by_user=by_user, **kwargs), False
    except AlreadySubmitted:
        return None, True
    except TrialError as exc:
        add_trial_error(form, exc)
        return None, False
