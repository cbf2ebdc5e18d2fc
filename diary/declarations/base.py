"""The declaration of a clinical record: each value once (name, label, type, unit,
range or choices, format), and the rules within and across records.

From a `Record` the rest of the app derives what it needs, so that a rule lives in
one place and every door (web forms, the API, the admin, the package import, the
services) applies the same one:

- model fields and NULL-safe CHECK constraints (`Value.model_field`,
  `Record.constraints`);
- web form fields and DRF serializer fields with the real limits, which the OpenAPI
  schema then states (`Value.form_field`, `Value.serializer_field`);
- the package's columns, how a cell is read and checked (`Value.parse`), and the
  codebook's labels and units (diary.package.schema and codebook);
- the errors of a set of values, every one at once, named by field
  (`Record.errors`), with the message for a person (`entry`) or for a data file
  (`data`: "11 is outside 1-10").

Kinds: text, identifier, int, decimal, date, bool, enum.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db import models
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from diary.declarations.predicates import (
    EMPTY,
    Cmp,
    In,
    Matches,
    Pred,
    Present,
    implies,
)
from diary.validators import is_whole_number

# The calendar a clinical date must fall in, at entry and on import.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# "Today" is the trial's local date (TRIAL_TIME_ZONE); no date of an event may be later.
FUTURE_GRACE = timedelta(days=0)

# Identifiers chosen by people (participant, screening, site codes): safe in a URL, a
# file name and a spreadsheet.
IDENTIFIER = r"[A-Za-z0-9_-]{1,32}"
IDENTIFIER_HELP = gettext_noop("1 to 32 letters, digits, hyphens (-) and underscores (_).")

SMALLINT_MAX = 32767
INT_MAX = 2147483647


# Code points no clinical text may hold: control characters other than tab and
# line breaks (XML, XLSX and SPSS cannot hold most of them; a vertical tab is what a
# word processor's Shift+Enter pastes), lone surrogates (no UTF-8 text, so no
# database, can hold them) and U+FFFE/U+FFFF (not characters; XML refuses them).
# All in the BMP, so the API's schema can state the rule as a portable pattern.
FORBIDDEN_RANGES = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0xD800, 0xDFFF),
    (0xFFFE, 0xFFFF),
)


def _escape(code: int) -> str:
    return f"\\u{code:04x}"


FORBIDDEN = re.compile(
    "[" + "".join(f"{_escape(low)}-{_escape(high)}" for low, high in FORBIDDEN_RANGES) + "]"
)
# The same rule as a pattern for the API's schema: text without those code points.
# Lone surrogates are left out of it: a pattern is matched on Unicode scalar values,
# which exclude them (they are refused all the same).
TEXT_PATTERN = (
    "^[^"
    + "".join(f"{_escape(low)}-{_escape(high)}" for low, high in FORBIDDEN_RANGES if low != 0xD800)
    + "]*$"
)


def control_characters(text: str) -> list[str]:
    """The characters of `text` that no clinical text may hold (FORBIDDEN_RANGES)."""
    return FORBIDDEN.findall(text)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _number(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class CellError(ValueError):
    """The text of a data-file cell is not a value of its column."""


@dataclass(frozen=True)
class Value:
    """One value of a record.

    `minimum`/`maximum` are inclusive unless `above` is set (then the value must be
    more than `minimum`, as a duration is more than 0 minutes). `required` means the
    value may never be empty; values required only in some cases are a `Rule`'s.
    `not_future` is for dates of events that have happened (a call, a consent).
    """

    name: str
    label: str
    kind: str
    unit: str = ""
    help: str = ""
    required: bool = False
    minimum: object = None
    maximum: object = None
    above: bool = False
    places: int | None = None
    digits: int | None = None
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    pattern: str | None = None
    pattern_help: str = ""
    not_future: bool = False
    # Short label for a column header, the admin and the codebook's Stata limit.
    short: str = ""
    # Written by the app, never entered (a randomization date, a bottle number).
    bookkeeping: bool = False
    # Text columns may be wider than the value's limit (older rows, history rows).
    storage_length: int | None = None
    # Contact details (a phone number): shown only to the roles that make the calls,
    # never written to an export, which every role with exports may download.
    direct_identifier: bool = False

    # -- derived facts ------------------------------------------------------------------

    @property
    def is_text(self) -> bool:
        return self.kind in ("text", "identifier")

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(self.choices.values) if self.choices else ()

    @property
    def step(self) -> Decimal | None:
        if self.kind == "decimal" and self.places is not None:
            return Decimal(1).scaleb(-self.places)
        return None

    @property
    def lowest(self):
        """The smallest value that can be stored (`minimum`, or one step above it)."""
        if self.minimum is None:
            return None
        if not self.above:
            return self.minimum
        return self.minimum + (self.step if self.kind == "decimal" else 1)

    @property
    def highest(self):
        if self.maximum is not None:
            return self.maximum
        if self.kind == "decimal" and self.digits and self.places is not None:
            return Decimal(10) ** (self.digits - self.places) - self.step
        return None

    def range_text(self) -> str:
        """The allowed values in words: "1 to 10", "more than 0", "at most 7"."""
        low, high = self.minimum, self.maximum
        if self.above:
            above = f"more than {_number(low)}"
            return f"{above} and at most {_number(high)}" if high is not None else above
        if low is not None and high is not None:
            return f"{_number(low)} to {_number(high)}"
        if low is not None:
            return f"at least {_number(low)}"
        if high is not None:
            return f"at most {_number(high)}"
        return ""

    def range_entry(self) -> str:
        """The range as a request to the person entering the value, in the active
        language."""
        low, high = self.minimum, self.maximum
        shown = {"low": _number(low), "high": _number(high)}
        if self.above and high is None:
            return gettext("Enter a number more than %(low)s.") % shown
        if self.above:
            return gettext("Enter a number more than %(low)s and at most %(high)s.") % shown
        if low is not None and high is not None:
            return gettext("Enter a number between %(low)s and %(high)s.") % shown
        if low is not None:
            return gettext("Enter a number at least %(low)s.") % shown
        if high is not None:
            return gettext("Enter a number at most %(high)s.") % shown
        return gettext("Enter a number.")

    # -- checking a typed value ---------------------------------------------------------

    def problems(self, value, *, today: date | None = None) -> list[tuple[str, str]]:
        """What is wrong with a typed, present value: [(entry message, data message)]."""
        return [(entry, data) for entry, data, _ in self.checked(value, today=today)]

    def checked(self, value, *, today: date | None = None) -> list[tuple[str, str, bool]]:
        """`problems`, each flagged True when it depends on the date (a future date)."""
        if value in EMPTY:
            return []
        if self.kind == "date":
            return self._date_problems(value, today)
        out: list[tuple[str, str]] = []
        if self.is_text and isinstance(value, str):
            if self.max_length and len(value) > self.max_length:
                out.append(
                    (
                        gettext("Use at most %(count)s characters.") % {"count": self.max_length},
                        f"longer than {self.max_length} characters",
                    )
                )
            bad = control_characters(value)
            if bad:
                codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
                out.append(
                    (
                        gettext(
                            "Remove the control characters (%(codes)s); only tabs and line "
                            "breaks are allowed."
                        )
                        % {"codes": codes},
                        f"holds control characters ({codes}); only tab and line break are allowed",
                    )
                )
            if self.pattern and not re.fullmatch(self.pattern, value):
                out.append(
                    (
                        gettext("Use %(format)s")
                        % {"format": _lower_first(gettext(self.pattern_help))},
                        f"{_show(value)} is not valid: {self.pattern_help[0].lower()}"
                        f"{self.pattern_help[1:].rstrip('.')}",
                    )
                )
        elif self.kind == "enum":
            if value not in self.choice_values:
                out.append(
                    (
                        gettext("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(self.choice_values)},
                        f"{_show(str(value))} is not one of {', '.join(self.choice_values)}",
                    )
                )
        elif self.kind in ("int", "decimal"):
            out += self._range_problems(value)
        return [(entry, data, False) for entry, data in out]

    def _range_problems(self, value) -> list[tuple[str, str]]:
        low, high = self.minimum, self.maximum
        too_low = low is not None and (value <= low if self.above else value < low)
        too_high = (high is not None and value > high) or (
            self.highest is not None and value > self.highest
        )
        if not (too_low or too_high):
            return []
        shown = _number(value)
        entry = self.range_entry()
        if self.above and too_low:
            return [(entry, f"{shown} is not {self.range_text()}")]
        if too_low and low == 0:
            return [(entry, f"{shown} is negative")]
        if low is not None and high is not None:
            return [(entry, f"{shown} is outside {_number(low)}-{_number(high)}")]
        if too_low:
            return [(entry, f"{shown} is below {_number(low)}")]
        return [(entry, f"{shown} is above {_number(self.highest)}")]

    def _date_problems(self, value: date, today: date | None) -> list[tuple[str, str, bool]]:
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            return [
                (
                    gettext("Enter a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST_DATE, "last": LATEST_DATE},
                    f"{value} is outside {EARLIEST_DATE} to {LATEST_DATE}",
                    False,
                )
            ]
        if self.not_future:
            from django.utils import timezone

            latest = (today or timezone.localdate()) + FUTURE_GRACE
            if value > latest:
                return [(gettext("This date is in the future."), f"{value} is in the future", True)]
        return []

    # -- reading a data-file cell -------------------------------------------------------

    def parse(self, text: str, *, required: bool | None = None):
        """The cell's value (None when empty). Raises CellError saying what is wrong
        with the text itself; range and rule problems are `problems` and rules'."""
        text = text.strip()
        if not text:
            if self.required if required is None else required:
                raise CellError("missing value")
            return None
        kind = self.kind
        if self.is_text:
            return text
        if kind == "enum":
            return text  # checked against the choices by `problems`
        if kind == "date":
            return _parse_date(text)
        if kind == "bool":
            if text in ("0", "1"):
                return text == "1"
            raise CellError(f"{_show(text)} is not a boolean (0 or 1)")
        if kind == "int":
            return _parse_int(text)
        return _parse_decimal(text, self.places)

    # -- derived fields -----------------------------------------------------------------

    def model_field(self, **overrides) -> models.Field:
        """The Django model field storing the value (null allowed unless required)."""
        from django.core.validators import MaxValueValidator, MinValueValidator

        null = not self.required
        options: dict = {"verbose_name": self.label, "help_text": self.help}
        kind = self.kind
        if self.is_text:
            field_class = models.CharField
            options.update(max_length=self.storage_length or self.max_length or 200, blank=null)
        elif kind == "enum":
            field_class = models.CharField
            longest = max(len(v) for v in self.choice_values)
            options.update(max_length=longest, choices=self.choices.choices, blank=null)
        elif kind == "bool":
            field_class = models.BooleanField
            options.update(null=null, blank=null)
        elif kind == "date":
            field_class = models.DateField
            options.update(null=null, blank=null)
        elif kind == "int":
            high = self.highest
            field_class = (
                models.PositiveSmallIntegerField
                if high is not None and high <= SMALLINT_MAX and (self.minimum or 0) >= 0
                else models.PositiveIntegerField
            )
            options.update(null=null, blank=null)
        else:
            field_class = models.DecimalField
            options.update(
                null=null, blank=null, max_digits=self.digits, decimal_places=self.places
            )
        if kind in ("int", "decimal"):
            validators = []
            if self.lowest is not None:
                validators.append(MinValueValidator(self.lowest))
            if self.maximum is not None:
                validators.append(MaxValueValidator(self.maximum))
            options["validators"] = validators
        options.update(overrides)
        field = field_class(**options)
        # The declared value a model field stores: how the casebook, the edit checks,
        # source data verification and the ODM export find a record's values.
        field.declared_value = self
        return field

    def form_field(self, **overrides):
        """A Django form field with the value's label, help and limits."""
        from django import forms

        from diary.web.forms import base

        options: dict = {"label": gettext_lazy(self.label), "required": self.required}
        if self.help:
            options["help_text"] = gettext_lazy(self.help)
        kind = self.kind
        if self.is_text:
            attrs = {}
            if self.pattern:
                attrs["pattern"] = self.pattern
                options.setdefault("help_text", gettext_lazy(self.pattern_help))
            field = forms.CharField(
                max_length=self.max_length, widget=forms.TextInput(attrs=attrs), **options
            )
        elif kind == "enum":
            choices = [(code, gettext_lazy(label)) for code, label in self.choices.choices]
            field = forms.ChoiceField(choices=choices, widget=base.Radios(), **options)
        elif kind == "date":
            field = base.date_field(**options)
        elif kind == "int":
            limits = {"min": self.lowest, "max": self.highest}
            widget = base.whole_number(**{k: v for k, v in limits.items() if v is not None})
            field = forms.IntegerField(widget=widget, **options)
        elif kind == "decimal":
            limits = {"min": self.lowest, "max": self.highest}
            widget = base.decimal_number(**{k: v for k, v in limits.items() if v is not None})
            field = forms.DecimalField(widget=widget, **options)
        else:
            field = base.yes_no_field(unknown=not self.required, **options)
        for name, value in overrides.items():
            setattr(field, name, value)
        return field

    def serializer_field(self, **overrides):
        """A DRF field whose limits the OpenAPI schema states (minimum, maximum,
        pattern, max length, choices, multipleOf for decimals)."""
        from rest_framework import serializers

        from diary.api.fields import DeclaredDecimalField, TextField, TrialDateField

        options: dict = {"help_text": self.help or self.label}
        if not self.required:
            options.update(required=False, allow_null=True)
        options.update(overrides)
        kind = self.kind
        if self.is_text:
            if not self.required:
                options.pop("allow_null", None)
                options.setdefault("allow_blank", True)
            if self.pattern:
                return serializers.RegexField(
                    f"^{self.pattern}$", max_length=self.max_length, **options
                )
            return TextField(max_length=self.max_length, **options)
        if kind == "enum":
            return serializers.ChoiceField(choices=self.choices.choices, **options)
        if kind == "bool":
            return serializers.BooleanField(**options)
        if kind == "date":
            return TrialDateField(**options)
        limits = {"min_value": self.lowest, "max_value": self.highest}
        if kind == "int":
            return serializers.IntegerField(**{**limits, **options})
        return DeclaredDecimalField(
            max_digits=self.digits, decimal_places=self.places, **{**limits, **options}
        )


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{_show(text)} is not a number") from None
    if not number.is_finite():
        raise CellError(f"{_show(text)} is not a number")
    if number != number.to_integral_value():
        raise CellError(f"{_show(text)} is not a whole number")
    return int(number)


def _parse_decimal(text: str, places: int | None) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{_show(text)} is not a number") from None
    if not number.is_finite():
        raise CellError(f"{_show(text)} is not a number")
    if places is not None:
        step = Decimal(1).scaleb(-places)
        try:
            exact = number == number.quantize(step)
        except InvalidOperation:
            exact = False
        if not exact:
            plural = "s" if places > 1 else ""
            raise CellError(f"{text} has more than {places} decimal place{plural}")
    return number


def _parse_date(text: str) -> date:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise CellError(f"{_show(text)} is not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        if all(map(is_whole_number, (text[:4], text[5:7], text[8:]))):
            raise CellError(f"{text} is not a date that exists") from None
        raise CellError(f"{_show(text)} is not an ISO date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Rule:
    """A condition the record's values must meet. When it fails, `field` is the value
    at fault and the messages say why (for a person, and for a data file). A rule
    with `db` is also a CHECK constraint (named `<record>_<name>`)."""

    name: str
    condition: Pred
    field: str
    entry: str
    data: str
    db: bool = True
    # The entry message made when it is shown (in the active language), when it is
    # not one fixed text.
    entry_for: Callable[[], str] | None = field(default=None, compare=False)

    @cached_property
    def fields(self) -> frozenset[str]:
        """The values the condition reads."""
        return frozenset(self.condition.fields())

    @cached_property
    def test(self) -> Callable[[Mapping], bool]:
        """The condition's `holds`, built once."""
        return self.condition.tester()


@dataclass(frozen=True)
class Context:
    """What a rule across records needs to know, passed in by its caller: the
    participant's dates, the week's phase and number, today."""

    values: Mapping = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


# A rule across records: (values, context) -> [(field, entry message, data message)].
CrossRule = Callable[[Mapping, Context], Iterable[tuple[str, str, str]]]


@dataclass(frozen=True)
class EditCheck:
    """A value worth a question, not a wrong one: an edit check. When it fires, a
    query is raised on `field` with `text` (formatted with the record's values and
    the context), for the site to confirm or correct.

    `fires` is a predicate on the values and the context together (a `Pred`), or a
    function of (values, context). The context (diary.selectors.casebook) holds the
    record's other stored fields (a diary week's `due_date`), its protocol week
    (`phase`, `week`), the trial's `call_window_days` and `today`. A `timed` check
    depends on the date, so it is also run on a schedule, not only when the record
    changes.
    """

    name: str
    field: str
    text: str
    fires: Pred | Callable[[Mapping, Context], bool]
    timed: bool = False

    def holds_for(self, values: Mapping, context: Context) -> bool:
        """True when the check fires on these values."""
        if isinstance(self.fires, Pred):
            return self.fires.holds({**context.values, **values})
        return bool(self.fires(values, context))

    def message(self, values: Mapping, context: Context) -> str:
        return self.text.format_map(_Shown({**context.values, **values}))


@dataclass(frozen=True)
class Record:
    """A clinical record's values and rules (see the module's docstring)."""

    name: str
    label: str
    values: tuple[Value, ...]
    rules: tuple[Rule, ...] = ()
    across: tuple[CrossRule, ...] = ()
    # Edit checks: values that raise a query (see EditCheck); never a refusal.
    checks: tuple[EditCheck, ...] = ()

    def __getitem__(self, name: str) -> Value:
        for value in self.values:
            if value.name == name:
                return value
        raise KeyError(f"{self.name} has no value {name!r}")

    def __contains__(self, name: str) -> bool:
        return any(v.name == name for v in self.values)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.values)

    @property
    def entered(self) -> tuple[str, ...]:
        """The values staff enter (not the app's bookkeeping)."""
        return tuple(v.name for v in self.values if not v.bookkeeping)

    def all_rules(self) -> list[Rule]:
        """The record's own rules, then one per value's storage limits."""
        return [*self.rules, *(r for v in self.values for r in value_rules(v))]

    def constraints(self) -> list[models.CheckConstraint]:
        """The rules as CHECK constraints, each TRUE or FALSE, never NULL."""
        return [
            models.CheckConstraint(condition=rule.condition.q(), name=f"{self.name}_{rule.name}")
            for rule in self.all_rules()
            if rule.db
        ]

    def problems(
        self,
        values: Mapping,
        *,
        context: Context | None = None,
        today: date | None = None,
        only: Iterable[str] | None = None,
        current: bool | None = None,
        own_values: bool = True,
        rules: bool = True,
        verdicts: RuleVerdicts | None = None,
    ) -> dict[str, list[tuple[str, str]]]:
        """Every problem of `values` (typed), by field: {field: [(entry, data)]}.

        Each value's own checks first, then the rules whose fields are all known,
        then the rules across records when a context is given. One problem per field
        from the rules (the first that fails), so a cell is not refused twice for
        one mistake. `only` limits the result to those fields. `current` selects:
        False, the values' own problems (limits, rules within the record); True,
        those that depend on the present state (rules across records, a date in the
        future); None, both. `own_values=False` leaves out each value's own checks
        (a data file's cells are checked as they are read); `rules=False` the rules.
        `verdicts` (this record's RuleVerdicts, kept by a caller checking many
        records) decides the rules once per distinct combination of what they test.
        """
        found: dict[str, list[tuple[str, str]]] = {}
        for value in self.values if own_values else ():
            if value.name in values:
                for entry, data, is_current in value.checked(values[value.name], today=today):
                    if current is None or current == is_current:
                        found.setdefault(value.name, []).append((entry, data))
        if current is not True and rules:
            names = values.keys()
            broken = (
                verdicts.broken(values)
                if verdicts is not None
                else [r for r in self.rules if r.fields <= names and not r.test(values)]
            )
            for rule in broken:
                if rule.field not in found:
                    shown = _Shown(values)
                    entry = rule.entry_for() if rule.entry_for else gettext(rule.entry)
                    found.setdefault(rule.field, []).append(
                        (entry.format_map(shown), rule.data.format_map(shown))
                    )
        if context is not None and current is not False and rules:
            for check in self.across:
                for name, entry, data in check(values, context):
                    if name not in found:
                        found.setdefault(name, []).append((entry, data))
        if only is not None:
            wanted = set(only)
            found = {k: v for k, v in found.items() if k in wanted}
        return found

    def errors(self, values: Mapping, **kwargs) -> dict[str, list[str]]:
        """`problems` with the messages for a person: {field: [messages]}."""
        return {
            name: [entry for entry, _ in problems]
            for name, problems in self.problems(values, **kwargs).items()
        }


# What a RuleVerdicts remembers: the facts of this many distinct values per field,
# and this many combinations of facts.
FACTS_KEPT = 20_000
VERDICTS_KEPT = 100_000
_ABSENT = object()


class RuleVerdicts:
    """A record's rules decided for many records (the rows of a data file).

    A rule's condition combines simple tests (the atoms: a value present, a flag
    set, a comparison with a constant), so a record's verdicts depend only on which
    atoms hold. Which of a field's atoms hold is worked out once per distinct value
    of the field, and the rules broken once per distinct combination of those: a
    file of a million rows, whose values repeat, tests the rules a few thousand
    times. A record is judged exactly as Record.problems judges it alone."""

    def __init__(self, record: Record):
        self.rules = record.rules
        single: dict[str, list[Pred]] = {}
        self.multi: list[Callable[[Mapping], bool]] = []
        for rule in self.rules:
            for atom in rule.condition.atoms():
                names = atom.fields()
                if len(names) == 1:
                    atoms = single.setdefault(next(iter(names)), [])
                    if atom not in atoms:
                        atoms.append(atom)
                else:
                    self.multi.append(atom.tester())
        self.fields = [
            (name, tuple(atom.tester() for atom in atoms), {})
            for name, atoms in sorted(single.items())
        ]
        # Whether a rule applies depends on which of its values are given.
        self.given = sorted(set().union(*(r.fields for r in self.rules)) - set(single))
        self.verdicts: dict[tuple, list[Rule]] = {}

    def broken(self, values: Mapping) -> list[Rule]:
        """The rules `values` break, in the record's order (a rule whose values are
        not all given is not applied)."""
        key = []
        for name, tests, facts in self.fields:
            value = values.get(name, _ABSENT)
            if value is _ABSENT:
                key.append(value)
                continue
            try:
                found = facts[value]
            except KeyError:
                found = tuple(test(values) for test in tests)
                if len(facts) < FACTS_KEPT:
                    facts[value] = found
            except TypeError:  # a value that cannot be remembered
                found = tuple(test(values) for test in tests)
            key.append(found)
        for test in self.multi:
            key.append(test(values))
        for name in self.given:
            key.append(name in values)
        key = tuple(key)
        broken = self.verdicts.get(key)
        if broken is None:
            names = values.keys()
            broken = [r for r in self.rules if r.fields <= names and not r.test(values)]
            if len(self.verdicts) < VERDICTS_KEPT:
                self.verdicts[key] = broken
        return broken


class _Shown(dict):
    """Values for a rule's message template: "{onset_on}" shows the typed value."""

    def __init__(self, values: Mapping):
        super().__init__({k: _number(v) if v is not None else "" for k, v in values.items()})

    def __missing__(self, key):
        return "{" + key + "}"


def value_rules(value: Value) -> list[Rule]:
    """The storage limits of one value as rules: its range, choices and format. An
    optional value meets them when empty; a required one must be present."""
    name = value.name

    def rule(suffix: str, condition: Pred, entry: str, data: str, *, db=True, entry_for=None):
        present = Present(name, text=value.is_text or value.kind == "enum")
        full = present & condition if value.required else implies(present, condition)
        return Rule(f"{name}_{suffix}", full, name, entry, data, db=db, entry_for=entry_for)

    if value.kind in ("int", "decimal"):
        parts: list[Pred] = []
        if value.minimum is not None:
            parts.append(Cmp(name, "gt" if value.above else "gte", value.minimum))
        if value.maximum is not None:
            parts.append(Cmp(name, "lte", value.maximum))
        if not parts:
            return []
        condition = parts[0] if len(parts) == 1 else parts[0] & parts[1]
        text = value.range_text()
        return [
            rule(
                "range",
                condition,
                value.range_entry(),
                f"must be {text}",
                entry_for=value.range_entry,
            )
        ]
    if value.kind == "enum":
        choices = value.choice_values
        return [
            rule(
                "valid",
                In(name, choices),
                gettext_noop("Choose one of the listed answers."),
                "not one of " + ", ".join(choices),
            )
        ]
    if value.kind == "date":
        condition = Cmp(name, "gte", EARLIEST_DATE) & Cmp(name, "lte", LATEST_DATE)
        return [
            rule(
                "calendar",
                condition,
                f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}.",
                f"outside {EARLIEST_DATE} to {LATEST_DATE}",
                entry_for=lambda: (
                    gettext("Enter a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST_DATE, "last": LATEST_DATE}
                ),
            )
        ]
    if value.pattern:
        # Identifiers name records in URLs and files: the database holds them to it.
        db = value.kind == "identifier"
        condition = Matches(name, value.pattern)
        return [rule("format", condition, value.pattern_help, "not valid", db=db)]
    return []
