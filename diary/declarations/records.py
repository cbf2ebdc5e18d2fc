"""The clinical records, each declared once: the screening log, the participant
(consent, baseline, randomization, stopping treatment, withdrawal), the diary week
(the weekly call) and the adverse event, plus the site and the protocol week they
refer to. See diary.declarations.base for what derives from a declaration.

A new diary question is one `Value` in DIARY_WEEK (and its rules, if any), a
migration (`manage.py makemigrations`), and its place in the analysis
(analysis/conventions.py); forms, the API and its schema, the admin, the package
columns, the codebook and the loader follow from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from diary.declarations.base import (
    IDENTIFIER,
    IDENTIFIER_HELP,
    INT_MAX,
    SMALLINT_MAX,
    Context,
    EditCheck,
    Record,
    Rule,
    Value,
)
from diary.declarations.choices import (
    Grade,
    NightSource,
    Phase,
    Relatedness,
    ScreeningOutcome,
    Sex,
    WeekSource,
)
from diary.declarations.predicates import (
    EMPTY,
    Absent,
    AnyOf,
    Cmp,
    In,
    Is,
    Present,
    implies,
)

PHONE = r"\+?[0-9][0-9 ().\-/]{2,39}"


def identifier(name: str, label: str, **kwargs) -> Value:
    return Value(
        name,
        label,
        "identifier",
        max_length=32,
        storage_length=40,
        pattern=IDENTIFIER,
        pattern_help=IDENTIFIER_HELP,
        **kwargs,
    )


def text(name: str, label: str, max_length: int, **kwargs) -> Value:
    return Value(name, label, "text", max_length=max_length, **kwargs)


def event_date(name: str, label: str, **kwargs) -> Value:
    return Value(name, label, "date", unit="date", not_future=True, **kwargs)


# -- the site and the protocol's weeks (referred to by the records) -----------------------

SITE = Record(
    "site",
    _("Site"),
    (
        identifier("code", _("Site code"), required=True),
        text("name", _("Site name"), 200, required=True),
        Value("target_enrolment", _("Enrolment target"), "int", minimum=1, maximum=INT_MAX),
    ),
)

PROTOCOL_WEEK = Record(
    "protocol_week",
    _("Protocol week"),
    (
        Value("phase", _("Diary phase"), "enum", choices=Phase, required=True),
        Value(
            "week",
            _("Week of the phase"),
            "int",
            unit=_("week"),
            required=True,
            minimum=1,
            maximum=SMALLINT_MAX,
        ),
    ),
)


# -- the screening log ----------------------------------------------------------------------

SCREENING = Record(
    "screening",
    _("Screening record"),
    (
        identifier(
            "screening_id",
            _("Screening number"),
            required=True,
            help=_("The number on the screening log sheet."),
        ),
        event_date("screened_on", _("Date of screening"), required=True),
        Value("sex", _("Sex"), "enum", choices=Sex, required=True),
        Value(
            "age",
            _("Age at screening"),
            "int",
            unit=_("years"),
            required=True,
            minimum=18,
            maximum=120,
        ),
        Value("outcome", _("Screening outcome"), "enum", choices=ScreeningOutcome, required=True),
        text("reason", _("Reason the candidate was not enrolled"), 300),
        Value("eligible", _("Eligible (decided from the answers)"), "bool", bookkeeping=True),
    ),
    rules=(
        Rule(
            "enrolled_only_if_eligible",
            implies(In("outcome", (ScreeningOutcome.ENROLLED.value,)), ~Is("eligible", False)),
            "outcome",
            _("An ineligible candidate cannot be enrolled."),
            "an ineligible candidate cannot be enrolled",
        ),
    ),
)


# -- the participant ----------------------------------------------------------------------------


def _participant_across(values, context: Context):
    """The study id carries its site's code when the protocol says so; consent is not
    before screening."""
    pid, site = values.get("participant_id"), context.values.get("site_code")
    prefixed = context.values.get("site_prefix") and site and pid not in EMPTY
    if prefixed and not str(pid).startswith(f"{site}-"):
        yield (
            "participant_id",
            gettext("The study id must start with the site's code and a hyphen (%(site)s-).")
            % {"site": site},
            f"{pid!r} does not start with its site's code {site}- (the protocol's ids do)",
        )
    consented, screened = values.get("consented_on"), context.values.get("screened_on")
    if consented not in EMPTY and screened not in EMPTY and consented < screened:
        screening = context.values.get("screening_id") or ""
        yield (
            "consented_on",
            gettext("Consent cannot be dated before screening (%(date)s).") % {"date": screened},
            f"consent {consented} is before screening {screening} on {screened}".replace("  ", " "),
        )


PARTICIPANT = Record(
    "participant",
    _("Participant"),
    (
        identifier("participant_id", _("Participant ID"), required=True),
        Value(
            "phone",
            _("Phone number for the weekly call"),
            "text",
            max_length=40,
            pattern=PHONE,
            pattern_help=_("Digits, spaces and + ( ) . - / only, starting with + or a digit."),
            direct_identifier=True,
        ),
        event_date("consented_on", _("Date of consent"), required=True),
        text("consent_form_version", _("Consent form version"), 40),
        Value("sex", _("Sex"), "enum", choices=Sex, required=True),
        Value(
            "age",
            _("Age at enrolment"),
            "int",
            unit=_("years"),
            required=True,
            minimum=18,
            maximum=120,
        ),
        Value(
            "height_cm",
            _("Height"),
            "decimal",
            unit=_("cm"),
            minimum=Decimal("100"),
            maximum=Decimal("230"),
            digits=4,
            places=1,
        ),
        Value(
            "weight_kg",
            _("Weight"),
            "decimal",
            unit=_("kg"),
            minimum=Decimal("25"),
            maximum=Decimal("250"),
            digits=4,
            places=1,
        ),
        Value("hypertension", _("Hypertension"), "bool"),
        Value("diabetes", _("Diabetes mellitus"), "bool"),
        Value(
            "creatinine_mg_dl",
            _("Serum creatinine"),
            "decimal",
            unit=_("mg/dL"),
            minimum=Decimal("0.1"),
            maximum=Decimal("20"),
            digits=4,
            places=2,
            help=_("In mg/dL; 1 mg/dL = 88.4 µmol/L."),
        ),
        event_date("randomized_on", _("Date of randomization"), bookkeeping=True),
        Value(
            "bottle_number",
            _("Bottle number given at randomization"),
            "int",
            minimum=1,
            maximum=INT_MAX,
            bookkeeping=True,
        ),
        event_date(
            "treatment_stopped_on",
            _("Date the study product was stopped"),
            bookkeeping=True,
            help=_("The participant stopped taking the capsules but is still followed."),
        ),
        text(
            "treatment_stop_reason",
            _("Reason the study product was stopped"),
            300,
            bookkeeping=True,
        ),
        event_date(
            "withdrawn_on",
            _("Date of withdrawal"),
            bookkeeping=True,
            help=_("The end of follow-up: no more data are collected."),
        ),
        text("withdrawal_reason", _("Reason for withdrawal"), 300, bookkeeping=True),
    ),
    rules=(
        Rule(
            "bottle_iff_randomized",
            AnyOf(
                (
                    Absent("randomized_on") & Absent("bottle_number"),
                    Present("randomized_on") & Present("bottle_number"),
                )
            ),
            "bottle_number",
            _("A randomized participant has a bottle, and only a randomized one."),
            "bottle_number and randomized_on go together",
        ),
        Rule(
            "randomized_after_consent",
            implies(
                Present("randomized_on"), Cmp("randomized_on", "gte", "consented_on", field=True)
            ),
            "randomized_on",
            _("Randomization cannot be before consent."),
            "randomization {randomized_on} is before consent {consented_on}",
        ),
        Rule(
            "withdrawn_after_randomization",
            implies(
                Present("withdrawn_on") & Present("randomized_on"),
                Cmp("withdrawn_on", "gte", "randomized_on", field=True),
            ),
            "withdrawn_on",
            _("The withdrawal cannot be before randomization."),
            "withdrawal {withdrawn_on} is before randomization {randomized_on}",
        ),
        Rule(
            "withdrawn_after_consent",
            implies(
                Present("withdrawn_on"), Cmp("withdrawn_on", "gte", "consented_on", field=True)
            ),
            "withdrawn_on",
            _("The withdrawal cannot be before consent."),
            "withdrawal {withdrawn_on} is before consent {consented_on}",
        ),
        Rule(
            "withdrawal_has_reason",
            implies(Present("withdrawn_on"), Present("withdrawal_reason", text=True)),
            "withdrawal_reason",
            _("Give the reason for the withdrawal."),
            "missing value (a withdrawal needs a reason)",
        ),
        Rule(
            "withdrawal_reason_only_if_withdrawn",
            implies(Absent("withdrawn_on"), Absent("withdrawal_reason", text=True)),
            "withdrawal_reason",
            _("A reason for withdrawal needs the date of withdrawal."),
            "must be empty when withdrawn_on is empty",
        ),
        Rule(
            "treatment_stop_after_randomization",
            implies(
                Present("treatment_stopped_on"),
                Cmp("treatment_stopped_on", "gte", "randomized_on", field=True),
            ),
            "treatment_stopped_on",
            _("The study product cannot be stopped before randomization."),
            "stopping the study product on {treatment_stopped_on} is before randomization "
            "on {randomized_on}",
        ),
        Rule(
            "treatment_stop_not_after_withdrawal",
            implies(
                Present("treatment_stopped_on") & Present("withdrawn_on"),
                Cmp("treatment_stopped_on", "lte", "withdrawn_on", field=True),
            ),
            "treatment_stopped_on",
            _("The study product cannot be stopped after the withdrawal."),
            "stopping the study product on {treatment_stopped_on} is after the withdrawal "
            "on {withdrawn_on}",
        ),
        Rule(
            "treatment_stop_has_reason",
            implies(Present("treatment_stopped_on"), Present("treatment_stop_reason", text=True)),
            "treatment_stop_reason",
            _("Give the reason the study product was stopped."),
            "missing value (stopping the study product needs a reason)",
        ),
        Rule(
            "treatment_stop_reason_only_if_stopped",
            implies(Absent("treatment_stopped_on"), Absent("treatment_stop_reason", text=True)),
            "treatment_stop_reason",
            _("A reason for stopping needs the date the study product was stopped."),
            "must be empty when treatment_stopped_on is empty",
        ),
    ),
    across=(_participant_across,),
)

BASELINE_FIELDS = (
    "sex",
    "age",
    "height_cm",
    "weight_kg",
    "hypertension",
    "diabetes",
    "creatinine_mg_dl",
)
CONTACT_FIELDS = ("phone", "consent_form_version")


# -- the diary week (the weekly call) --------------------------------------------------------


def week_start(*, start, week: int):
    """The first day of a protocol week counted from `start` (consent or randomization)."""
    return start + timedelta(days=7 * (week - 1))


def call_window(*, due, window_days: int):
    """The days a week's call is on time: its due date ± the protocol's window."""
    return due - timedelta(days=window_days), due + timedelta(days=window_days)


def _week_across(values, context: Context):
    """A call is not before its week began; no reached call for a week that began
    after the participant withdrew; a reached call outside the week's window only when
    the caller confirms its date. Context: phase, week, start (consent for the
    screening diary, randomization for the intervention), withdrawn_on, and for the
    window due, window_days and out_of_window_confirmed."""
    start, week, phase = context.values.get("start"), context.week, context.phase
    due = context.values.get("due")
    call_date = values.get("call_date")
    if due is not None and values.get("reached") is True and call_date not in EMPTY:
        first, last = call_window(due=due, window_days=context.values.get("window_days", 0))
        confirmed = context.values.get("out_of_window_confirmed")
        if not first <= call_date <= last and not confirmed:
            yield (
                "call_date",
                gettext(
                    "The call date is outside this week's window (%(first)s to %(last)s). "
                    "Check it; if the call was made that day, confirm it."
                )
                % {
                    "first": date_format(first, gettext("d M")),
                    "last": date_format(last, gettext("d M Y")),
                },
                f"call {call_date} is outside the week's window {first} to {last}",
            )
    if start is None:
        return
    begins = week_start(start=start, week=week)
    call_date = values.get("call_date")
    if call_date not in EMPTY and call_date < begins:
        basis = "randomized_on" if phase == Phase.INTERVENTION else "consented_on"
        yield (
            "call_date",
            gettext("The call date is before this week began (%(date)s).") % {"date": begins},
            f"call {call_date} is before {phase} week {week} began "
            f"({begins} = {basis} + {7 * (week - 1)} days)",
        )
    withdrawn = context.values.get("withdrawn_on")
    reached = values.get("reached")
    if withdrawn not in EMPTY and begins > withdrawn and reached is True:
        yield (
            "reached",
            gettext("The participant withdrew before this week began."),
            f"{phase} week {week} began on {begins}, after the withdrawal on {withdrawn}; "
            "a reached call cannot be recorded for it",
        )


# -- edit checks of the diary week: doubtful values that raise a query ---------------------

# A mean severity this high with cramps this short is unusual: confirm both.
SEVERE_SEVERITY = Decimal("8")
BRIEF_DURATION_MIN = Decimal("0.2")
# Days outside the call window after which the week's recall is doubtful.
OUTSIDE_WINDOW_DAYS = 3


def _call_far_outside_window(values, context: Context) -> bool:
    """A reached call more than OUTSIDE_WINDOW_DAYS days outside its window (due date
    ± the trial's call window)."""
    call_date, due = values.get("call_date"), context.values.get("due_date")
    if values.get("reached") is not True or call_date in EMPTY or due is None:
        return False
    slack = timedelta(days=(context.values.get("call_window_days") or 0) + OUTSIDE_WINDOW_DAYS)
    return call_date < due - slack or call_date > due + slack


def _diary_changed_after_confirmation(values, context: Context) -> bool:
    """A week confirmed as the electronic diary gave it, whose nights now give other
    values (a night entered or corrected after the call)."""
    derived = context.values.get("diary_derived")
    if values.get("reached") is not True or values.get("source") != "diary" or not derived:
        return False
    return any(values.get(name) != derived[name] for name in ("cramps", "duration_min", "severity"))


DIARY_WEEK_CHECKS = (
    EditCheck(
        "diary_changed_after_confirmation",
        "cramps",
        "The diary's nights of this week changed after the call confirmed them (the week "
        "holds {cramps} cramps): confirm the week's values with the participant, or "
        "correct them with a reason.",
        _diary_changed_after_confirmation,
    ),
    EditCheck(
        "severe_but_brief",
        "duration_min",
        f"Mean severity {{severity}} (>= {SEVERE_SEVERITY}) with a mean duration of "
        f"{{duration_min}} minutes (< {BRIEF_DURATION_MIN}): please confirm both values "
        "with the source.",
        Cmp("severity", "gte", SEVERE_SEVERITY) & Cmp("duration_min", "lt", BRIEF_DURATION_MIN),
    ),
    EditCheck(
        "call_outside_window",
        "call_date",
        f"The call on {{call_date}} is more than {OUTSIDE_WINDOW_DAYS} days outside its "
        "window (due {due_date} ± {call_window_days} days): please confirm the date and "
        "that the values describe this week.",
        _call_far_outside_window,
    ),
    EditCheck(
        "capsules_missed_missing",
        "capsules_missed",
        "The participant was reached but the capsules missed are not recorded: please "
        "enter them (0 if none).",
        Is("reached", True) & In("phase", (Phase.INTERVENTION.value,)) & Absent("capsules_missed"),
    ),
)


DIARY_WEEK = Record(
    "diary",
    _("Diary week"),
    (
        event_date("call_date", _("Date of the weekly call")),
        Value(
            "reached",
            _("Participant reached by the weekly call"),
            "bool",
            help=_("Empty until the first call attempt."),
        ),
        Value(
            "cramps",
            _("Number of cramps in the week"),
            "int",
            unit=_("cramps per week"),
            minimum=0,
            maximum=SMALLINT_MAX,
            help=_("0 if none."),
        ),
        Value(
            "duration_min",
            _("Mean duration of the week's cramps"),
            "decimal",
            unit=_("minutes"),
            minimum=Decimal("0"),
            above=True,
            digits=6,
            places=2,
            help=_("Only when there was at least one cramp."),
        ),
        Value(
            "severity",
            _("Mean severity of the week's cramps"),
            "decimal",
            unit=_("score 1-10"),
            minimum=Decimal("1"),
            maximum=Decimal("10"),
            digits=4,
            places=2,
            help=_("1 = mildest, 10 = worst; only when there was at least one cramp."),
        ),
        Value(
            "capsules_missed",
            _("Capsules missed in the week"),
            "int",
            unit=_("capsules"),
            minimum=0,
            maximum=7,
            help=_("0 to 7."),
        ),
        Value(
            "source",
            _("Source of the week's values"),
            "enum",
            choices=WeekSource,
            bookkeeping=True,
            help=_("Told at the call, or the electronic diary's nights confirmed or corrected."),
        ),
    ),
    rules=(
        *(
            Rule(
                f"{name}_only_if_reached",
                implies(~Is("reached", True), Absent(name)),
                name,
                _("Leave this empty: the participant was not reached."),
                "must be empty when reached is 0",
            )
            for name in ("cramps", "duration_min", "severity", "capsules_missed")
        ),
        Rule(
            "cramps_when_reached",
            implies(Is("reached", True), Present("cramps")),
            "cramps",
            _("Enter the number of cramps (0 if none)."),
            "missing value (reached is 1)",
        ),
        *(
            Rule(
                f"{name}_when_cramps",
                implies(Cmp("cramps", "gt", 0), Present(name)),
                name,
                message,
                "missing value (cramps > 0)",
            )
            for name, message in (
                ("duration_min", _("Enter the mean duration in minutes.")),
                ("severity", _("Enter the mean severity (1-10).")),
            )
        ),
        *(
            Rule(
                f"{name}_only_if_cramps",
                implies(~Cmp("cramps", "gt", 0), Absent(name)),
                name,
                message,
                "must be empty when cramps is 0",
            )
            for name, message in (
                ("duration_min", _("Leave the duration empty when there was no cramp.")),
                ("severity", _("Leave the severity empty when there was no cramp.")),
            )
        ),
        Rule(
            "source_only_if_reached",
            implies(~Is("reached", True), Absent("source", text=True)),
            "source",
            _("Leave this empty: the participant was not reached."),
            "must be empty when reached is 0",
        ),
        Rule(
            "call_date_when_called",
            implies(Present("reached"), Present("call_date")),
            "call_date",
            _("Enter the date of the call."),
            "missing value (every call, reached or not, has a date)",
        ),
    ),
    across=(_week_across,),
    checks=DIARY_WEEK_CHECKS,
)

WEEK_VALUES = ("cramps", "duration_min", "severity", "capsules_missed")


# -- the electronic diary: a night and each of its cramps -------------------------------------

NIGHT_CRAMPS_MAX = 20


NIGHTS_PER_WEEK = 7


def week_nights(*, start, week: int) -> list:
    """The seven nights of a protocol week: they begin on the days of the week."""
    first = week_start(start=start, week=week)
    return [first + timedelta(days=i) for i in range(NIGHTS_PER_WEEK)]


@dataclass(frozen=True)
class DerivedWeek:
    """A week's values derived from its nights (the data-package contract): cramps =
    the cramps of the week's nights, duration and severity = their means (exact; the
    diary week stores them to its 2 decimal places). `complete` when all seven nights
    are reported: without a reached call such a week is observed with these values."""

    nights: tuple
    reported: int
    cramps: int
    duration_min: Decimal | None
    severity: Decimal | None

    @property
    def complete(self) -> bool:
        return self.reported == NIGHTS_PER_WEEK

    def stored(self) -> dict:
        """The values as the diary week stores them (means to 2 decimal places)."""
        step = Decimal("0.01")
        return {
            "cramps": self.cramps,
            "duration_min": None
            if self.duration_min is None
            else self.duration_min.quantize(step, ROUND_HALF_UP),
            "severity": None
            if self.severity is None
            else self.severity.quantize(step, ROUND_HALF_UP),
        }


def derive_week(*, start, week: int, nights: Mapping) -> DerivedWeek:
    """The week's values from `nights`: {night date: [(duration_min, severity), ...]}
    for each reported night (an empty list is a night without cramps); nights not
    reported are absent (or None). Nights outside the week are ignored."""
    days = week_nights(start=start, week=week)
    events = []
    reported = 0
    for day in days:
        cramps = nights.get(day)
        if cramps is None:
            continue
        reported += 1
        events += [(Decimal(str(d)), Decimal(str(s))) for d, s in cramps]
    n = len(events)
    return DerivedWeek(
        nights=tuple(days),
        reported=reported,
        cramps=n,
        duration_min=sum(d for d, _ in events) / n if n else None,
        severity=sum(s for _, s in events) / n if n else None,
    )


def follow_up_end(*, randomized_on, intervention_weeks: int):
    """The last night of follow-up: the eve of the day after the last intervention week."""
    return randomized_on + timedelta(days=7 * intervention_weeks - 1)


def _night_across(values, context: Context):
    """A night is within the participant's follow-up: not before consent, not after the
    withdrawal, not after the last intervention week. Context: consented_on,
    withdrawn_on, follow_up_end (None before randomization)."""
    night = values.get("night")
    if night in EMPTY:
        return
    consented = context.values.get("consented_on")
    if consented not in EMPTY and night < consented:
        yield (
            "night",
            gettext("This night is before the participant's consent (%(date)s).")
            % {"date": consented},
            f"night {night} is before consent on {consented}",
        )
    withdrawn = context.values.get("withdrawn_on")
    if withdrawn not in EMPTY and night > withdrawn:
        yield (
            "night",
            gettext("The participant withdrew on %(date)s; no later night can be recorded.")
            % {"date": withdrawn},
            f"night {night} is after the withdrawal on {withdrawn}",
        )
    end = context.values.get("follow_up_end")
    if end not in EMPTY and night > end:
        yield (
            "night",
            gettext("Follow-up ended on %(date)s; no later night can be recorded.") % {"date": end},
            f"night {night} is after the end of follow-up on {end}",
        )


NIGHT = Record(
    "night",
    _("Diary night"),
    (
        event_date(
            "night",
            _("Night (the date it began)"),
            required=True,
            help=_("The date of the evening the night began."),
        ),
        Value("reported", _("Night reported in the diary"), "bool", required=True),
        Value(
            "cramps",
            _("Number of cramps in the night"),
            "int",
            unit=_("cramps"),
            minimum=0,
            maximum=NIGHT_CRAMPS_MAX,
            help=_("0 if none."),
        ),
        Value("source", _("Who entered the night"), "enum", choices=NightSource, required=True),
    ),
    rules=(
        Rule(
            "cramps_when_reported",
            implies(Is("reported", True), Present("cramps")),
            "cramps",
            _("Enter the number of cramps (0 if none)."),
            "missing value (reported is 1)",
        ),
        Rule(
            "cramps_only_if_reported",
            implies(~Is("reported", True), Absent("cramps")),
            "cramps",
            _("Leave this empty: the night was not reported."),
            "must be empty when reported is 0",
        ),
    ),
    across=(_night_across,),
)

CRAMP_EVENT = Record(
    "cramp",
    _("Cramp in the diary"),
    (
        Value(
            "duration_min",
            _("Duration of the cramp"),
            "decimal",
            unit=_("minutes"),
            required=True,
            minimum=Decimal("0"),
            above=True,
            maximum=Decimal("600"),
            digits=6,
            places=2,
            help=_("In minutes."),
        ),
        Value(
            "severity",
            _("Severity of the cramp"),
            "decimal",
            unit=_("score 1-10"),
            required=True,
            minimum=Decimal("1"),
            maximum=Decimal("10"),
            digits=4,
            places=2,
            help=_(
                "1-3 mild (does not disturb sleep), 4-6 moderate (disturbs sleep, "
                "tolerable), 7-10 severe (intolerable)."
            ),
        ),
    ),
)


# -- the adverse event ----------------------------------------------------------------------------


def _event_across(values, context: Context):
    onset, consented = values.get("onset_on"), context.values.get("consented_on")
    if onset not in EMPTY and consented not in EMPTY and onset < consented:
        yield (
            "onset_on",
            gettext("The onset cannot be before consent (%(date)s).") % {"date": consented},
            f"onset {onset} is before the participant's consent on {consented}",
        )


# An adverse event's outcome is expected within this many days of its onset.
OUTCOME_DUE_DAYS = 30


def _outcome_overdue(values, context: Context) -> bool:
    onset, today = values.get("onset_on"), context.values.get("today")
    if values.get("outcome") not in EMPTY or onset in EMPTY or today is None:
        return False
    return today >= onset + timedelta(days=OUTCOME_DUE_DAYS)


ADVERSE_EVENT_CHECKS = (
    EditCheck(
        "outcome_missing",
        "outcome",
        f"No outcome is recorded {OUTCOME_DUE_DAYS} days or more after the onset on "
        "{onset_on}: please record the outcome (e.g. 'ongoing', 'resolved').",
        _outcome_overdue,
        timed=True,
    ),
)


ADVERSE_EVENT = Record(
    "ae",
    _("Adverse event"),
    (
        event_date("onset_on", _("Date of onset"), required=True),
        text(
            "term",
            _("Adverse event (term as reported)"),
            200,
            required=True,
            help=_("In the participant's words or as a medical term, e.g. 'nausea'."),
        ),
        Value(
            "serious",
            _("Serious adverse event"),
            "bool",
            required=True,
            help=_(
                "Serious: death, life-threatening, hospitalisation, persistent disability "
                "or another important medical event."
            ),
        ),
        Value("grade", _("Severity grade"), "enum", choices=Grade, required=True),
        Value(
            "relatedness",
            _("Relatedness to the study product"),
            "enum",
            choices=Relatedness,
            required=True,
        ),
        text("outcome", _("Outcome of the adverse event"), 100, help=_("E.g. 'ongoing'.")),
        event_date("resolved_on", _("Date resolved"), help=_("Empty if ongoing.")),
    ),
    rules=(
        Rule(
            "resolved_after_onset",
            implies(Present("resolved_on"), Cmp("resolved_on", "gte", "onset_on", field=True)),
            "resolved_on",
            _("The resolution cannot be before the onset."),
            "resolution {resolved_on} is before onset {onset_on}",
        ),
    ),
    across=(_event_across,),
    checks=ADVERSE_EVENT_CHECKS,
)

ADVERSE_EVENT_FIELDS = ADVERSE_EVENT.names
