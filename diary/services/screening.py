"""Screening a candidate: eligibility decided from the answers, the outcome logged
for CONSORT, and enrolment (consent) of the eligible who agree."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from diary.declarations import PARTICIPANT, SCREENING, Context
from diary.errors import RuleConflict
from diary.models import (
    EligibilityCriterion,
    Participant,
    Phase,
    ScreeningOutcome,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.services.audit import (
    apply_changes,
    ensure_current,
    ensure_trial_open,
    full_clean_or_raise,
    record_check,
)
from diary.services.calls import diary_weeks_schedule


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    outcome: str | None  # the outcome an ineligible candidate gets; None when eligible
    reasons: list[str] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return ScreeningOutcome(self.outcome).label if self.outcome else ""

    @property
    def explanation(self) -> str:
        if self.eligible:
            return "Eligible: meets every inclusion criterion and no exclusion criterion."
        return "Not eligible: " + "; ".join(self.reasons) + "."


def eligibility_decide(
    *, trial: Trial, age: int, answers: Mapping[str, bool], criteria=None
) -> Eligibility:
    """Decide eligibility from the age and the answer to every criterion, and list
    every criterion the candidate fails (inclusion not met, exclusion met).

    The outcome follows CONSORT, which counts a candidate once: one who fails an
    inclusion criterion is `not_meeting_inclusion` whatever else holds; otherwise one
    who meets an exclusion criterion is `meeting_exclusion`.
    """
    criteria = list(criteria if criteria is not None else trial.criteria.all())
    unanswered = [c.code for c in criteria if answers.get(c.code) is None]
    if unanswered:
        raise RuleConflict(
            "Answer every criterion; missing: " + ", ".join(unanswered) + ".",
            errors={code: ["This criterion needs an answer."] for code in unanswered},
        )
    failed_inclusion = []
    if trial.min_age is not None and age < trial.min_age:
        failed_inclusion.append(f"younger than {trial.min_age} years")
    failed_inclusion += [
        f"does not meet: {c.text}"
        for c in criteria
        if c.kind == EligibilityCriterion.Kind.INCLUSION and not answers[c.code]
    ]
    met_exclusion = [
        f"meets exclusion: {c.text}"
        for c in criteria
        if c.kind == EligibilityCriterion.Kind.EXCLUSION and answers[c.code]
    ]
    reasons = failed_inclusion + met_exclusion
    if failed_inclusion:
        return Eligibility(False, ScreeningOutcome.NOT_MEETING_INCLUSION, reasons)
    if met_exclusion:
        return Eligibility(False, ScreeningOutcome.MEETING_EXCLUSION, reasons)
    return Eligibility(True, None)


@dataclass(frozen=True)
class Consent:
    participant_id: str
    consented_on: date
    consent_form_version: str = ""
    phone: str = ""


def next_participant_id(*, site: Site) -> str:
    """The next free study id of a site: <site code>-<three-digit number>."""
    taken = set(Participant.objects.filter(site=site).values_list("participant_id", flat=True))
    number = len(taken) + 1
    while f"{site.code}-{number:03d}" in taken:
        number += 1
    return f"{site.code}-{number:03d}"


@transaction.atomic
def screening_record_create(
    *,
    trial: Trial,
    site: Site,
    screening_id: str,
    screened_on: date,
    sex: str,
    age: int,
    answers: Mapping[str, bool],
    consent: Consent | None = None,
    declined_reason: str = "",
    by_user,
) -> ScreeningRecord:
    """Log a screened candidate. An eligible candidate either consents (and is
    enrolled, with the screening diary scheduled) or declines."""
    ensure_trial_open(trial)
    criteria = list(trial.criteria.all())
    known = {c.code for c in criteria}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise RuleConflict(
            "Unknown criteria: "
            + ", ".join(unknown)
            + " (the protocol's criteria: "
            + ", ".join(sorted(known))
            + ").",
            field="answers",
        )
    decision = eligibility_decide(trial=trial, age=age, answers=answers, criteria=criteria)
    if decision.eligible:
        outcome = ScreeningOutcome.ENROLLED if consent else ScreeningOutcome.DECLINED
        reason = "" if consent else (declined_reason.strip() or "Declined to participate")
    else:
        if consent:
            raise RuleConflict(
                "An ineligible candidate cannot be enrolled. " + decision.explanation,
                field="consent",
            )
        outcome, reason = decision.outcome, "; ".join(decision.reasons)
    values = {
        "screening_id": (screening_id or "").strip(),
        "screened_on": screened_on,
        "sex": sex,
        "age": age,
        "eligible": decision.eligible,
        "outcome": outcome,
        "reason": reason[:300],
    }
    record_check(SCREENING, values)
    record = ScreeningRecord(
        trial=trial,
        site=site,
        answers={code: bool(answers[code]) for code in known},
        **values,
    )
    full_clean_or_raise(record, exclude=["trial", "site"])
    _check_unique_screening_id(trial, values["screening_id"])
    record._history_user = by_user
    record.save()
    if consent:
        participant_enrol(screening=record, consent=consent, by_user=by_user)
    return record


def _check_unique_screening_id(trial: Trial, screening_id: str) -> None:
    if ScreeningRecord.objects.filter(trial=trial, screening_id=screening_id).exists():
        raise RuleConflict(
            f"Screening id {screening_id} is already in the log.", field="screening_id"
        )


def participant_enrol(*, screening: ScreeningRecord, consent: Consent, by_user) -> Participant:
    """Create the participant of a consenting, eligible candidate and schedule the
    screening diary weeks."""
    values = {
        "participant_id": (consent.participant_id or "").strip(),
        "consented_on": consent.consented_on,
        "consent_form_version": (consent.consent_form_version or "").strip(),
        "phone": (consent.phone or "").strip(),
        "sex": screening.sex,
        "age": screening.age,
    }
    context = Context(
        {
            "site_code": screening.site.code,
            "site_prefix": screening.trial.site_prefixed_ids,
            "screened_on": screening.screened_on,
        }
    )
    record_check(PARTICIPANT, values, context=context)
    if Participant.objects.filter(
        trial=screening.trial, participant_id=values["participant_id"]
    ).exists():
        raise RuleConflict(
            f"Participant id {consent.participant_id} is already in use.", field="participant_id"
        )
    participant = Participant(
        trial=screening.trial, site=screening.site, screening=screening, **values
    )
    full_clean_or_raise(participant, exclude=["trial", "site", "screening"])
    participant._history_user = by_user
    participant.save()
    diary_weeks_schedule(participant=participant, phase=Phase.SCREENING, start=consent.consented_on)
    return participant


# What a correction of the screening log may change: not the answers, the decision
# or the outcome, which the app derives and CONSORT counts.
SCREENING_CORRECTABLE = ("screened_on", "sex", "age", "reason")


@transaction.atomic
def screening_record_update(
    *,
    record: ScreeningRecord,
    changes: dict,
    by_user,
    reason: str = "",
    expected_version: int | None = None,
) -> list[str]:
    """Correct a screening record's date, sex, age or note (with a reason once
    entered). A participant's own sex and age are corrected on the participant."""
    unknown = sorted(set(changes) - set(SCREENING_CORRECTABLE))
    if unknown:
        raise RuleConflict(
            "These values of the screening log cannot be changed: " + ", ".join(unknown) + ".",
            field=unknown[0],
        )
    record = (
        ScreeningRecord.objects.select_for_update(of=("self",))
        .select_related("trial")
        .get(pk=record.pk)
    )
    ensure_trial_open(record.trial)
    ensure_current(record, expected_version, fields=tuple(changes))
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    values = {name: getattr(record, name) for name in SCREENING.names} | changes
    record_check(SCREENING, values)
    participant = Participant.objects.filter(screening=record).first()
    screened_on = changes.get("screened_on", record.screened_on)
    if participant is not None and participant.consented_on < screened_on:
        raise RuleConflict(
            f"{participant.participant_id} consented on {participant.consented_on}, before "
            f"{screened_on}.",
            field="screened_on",
        )
    return apply_changes(record, changes, by_user=by_user, reason=reason)
