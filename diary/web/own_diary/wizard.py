"""The questions about one night, asked one at a time. The answers so far travel in
hidden fields, so the pages need no JavaScript and no session: each request carries
the state, the next question is the first one not answered, and nothing is saved
until the participant confirms.

    had=yes|no -> count (1..20) -> for each cramp: d<i> (minutes), s<i> (1..10) -> save
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.formats import sanitize_separators
from django.utils.translation import gettext as _

from diary.declarations import CRAMP_EVENT
from diary.declarations.records import NIGHT_CRAMPS_MAX
from diary.validators import is_whole_number

DURATION = CRAMP_EVENT["duration_min"]
SEVERITY_CHOICES = tuple(range(1, 11))


@dataclass
class Answers:
    had: str | None = None
    count: int | None = None
    durations: dict[int, Decimal] = field(default_factory=dict)
    severities: dict[int, int] = field(default_factory=dict)

    def hidden(self) -> list[tuple[str, str]]:
        """The answers as (name, value) pairs of hidden fields."""
        pairs = []
        if self.had:
            pairs.append(("had", self.had))
        if self.count is not None:
            pairs.append(("count", str(self.count)))
        for i, value in sorted(self.durations.items()):
            pairs.append((f"d{i}", format(value.normalize(), "f")))
        for i, value in sorted(self.severities.items()):
            pairs.append((f"s{i}", str(value)))
        return pairs

    def next_question(self) -> tuple[str, int | None]:
        """("had" | "count" | "duration" | "severity" | "confirm", cramp number)."""
        if self.had is None:
            return "had", None
        if self.had == "no":
            return "confirm", None
        if self.count is None:
            return "count", None
        for i in range(1, self.count + 1):
            if i not in self.durations:
                return "duration", i
            if i not in self.severities:
                return "severity", i
        return "confirm", None

    def drop_last(self) -> None:
        """Forget the last answer given (the Back button)."""
        if self.had == "no" or (self.had == "yes" and self.count is None):
            self.had = None
            return
        if self.count is None:
            return
        for i in range(self.count, 0, -1):
            if i in self.severities:
                del self.severities[i]
                return
            if i in self.durations:
                del self.durations[i]
                return
        self.count = None

    def cramps(self) -> list[dict] | None:
        if self.had == "no":
            return []
        return [
            {"duration_min": self.durations[i], "severity": self.severities[i]}
            for i in range(1, (self.count or 0) + 1)
        ]


def _duration(text: str) -> Decimal | None:
    try:
        value = Decimal(sanitize_separators(text.strip()))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or DURATION.problems(value):
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return value


def _count(text: str) -> int | None:
    text = (text or "").strip()
    if not is_whole_number(text):
        return None
    value = int(text)
    return value if 1 <= value <= NIGHT_CRAMPS_MAX else None


def _severity(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if is_whole_number(text) and int(text) in SEVERITY_CHOICES else None


def answers_from(data) -> tuple[Answers, str | None]:
    """The answers carried in `data` (hidden fields and the question just answered),
    and an error message for the question just answered, if its answer is not valid.
    An invalid carried answer is dropped, so that question is asked again."""
    answers = Answers()
    error = None
    had = data.get("had")
    if had in ("yes", "no"):
        answers.had = had
    if answers.had == "yes":
        count = data.get("count")
        if count is not None:
            answers.count = _count(count)
            if answers.count is None:
                error = _("Enter a whole number of cramps from 1 to %(most)s.") % {
                    "most": NIGHT_CRAMPS_MAX
                }
    for i in range(1, (answers.count or 0) + 1):
        duration = data.get(f"d{i}")
        if duration is not None:
            value = _duration(duration)
            if value is None:
                error = _(
                    "Enter how many minutes the cramp lasted, for example 2 or 1.5 "
                    "(more than 0, at most 600)."
                )
                break
            answers.durations[i] = value
        severity = data.get(f"s{i}")
        if severity is not None:
            value = _severity(severity)
            if value is None:
                error = _("Choose a number from 1 to 10.")
                break
            answers.severities[i] = value
        if i not in answers.durations:
            break
    return answers, error
