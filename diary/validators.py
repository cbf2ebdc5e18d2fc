"""Field validators shared by the clinical models, so forms, the admin, the API and
the services refuse the same values with the same message."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST_DATE = date(1990, 1, 1)


def plausible_date(value: date) -> None:
    """A clinical date is not in the future (a day's grace for time zones) nor absurdly old."""
    if value is None:
        return
    if value > timezone.localdate() + timedelta(days=1):
        raise ValidationError("This date is in the future.", code="future_date")
    if value < EARLIEST_DATE:
        raise ValidationError(
            f"This date is before {EARLIEST_DATE.isoformat()}.", code="ancient_date"
        )


def is_whole_number(text: str, *, max_digits: int = 18) -> bool:
    """True when `text` is digits 0-9 only, as int() reads them, and at most
    `max_digits` of them: str.isdigit() also accepts superscripts ("²") and other
    digits int() refuses with a ValueError, and int() refuses a few thousand digits."""
    return bool(text) and len(text) <= max_digits and text.isascii() and text.isdigit()
