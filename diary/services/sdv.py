"""Source data verification: a monitor marks values as verified against the source,
one by one or in bulk (a whole form, a whole participant-week). A later change of a
verified value clears its mark (diary.services.casebooks calls `sdv_marks_clear`),
keeping who verified what and saying which change cleared it; the participant's
timeline shows it.

Only values that hold something are verified: an empty value has no source to
compare with (a form's empty values are skipped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from diary.errors import AccessDenied, InvalidValue, RuleConflict
from diary.models import Participant, SdvMark
from diary.models.datamgmt import VALUE_SHOWN_MAX
from diary.roles import SDV_ROLES, role_of
from diary.selectors.casebook import (
    EMPTY,
    WEEKLY,
    ClinicalRecord,
    clinical_record,
    clinical_records,
    content_type_of,
    record_label,
    shown,
)
from diary.selectors.scoping import participants_for


@dataclass(frozen=True)
class FormTarget:
    """One record (a form) of the participant; `values` None verifies all of it."""

    record: str
    object_id: int
    values: tuple[str, ...] | None = None


def _targets(participant: Participant, forms: Iterable[FormTarget], weeks) -> list:
    """[(kind, instance, value names)] for the forms and participant-weeks named."""
    out = []
    for form in forms:
        try:
            kind = clinical_record(form.record)
        except KeyError:
            raise InvalidValue(f"Unknown record {form.record!r}.", field="record") from None
        instance = kind.model.objects.filter(pk=form.object_id).first()
        if instance is None or kind.participant_of(instance) != participant.pk:
            raise RuleConflict(
                f"{participant.participant_id} has no {kind.label.lower()} {form.object_id}.",
                field="id",
            )
        names = kind.value_names if form.values is None else tuple(form.values)
        unknown = sorted(set(names) - set(kind.value_names))
        if unknown:
            raise InvalidValue(f"{kind.label} has no value {', '.join(unknown)}.", field="values")
        out.append((kind, instance, names))
    for phase, week in weeks:
        found = False
        for kind in clinical_records():
            if kind.placement != WEEKLY:
                continue
            rows = kind.of_participants([participant.pk]).filter(
                **{f"{kind.week_path}__phase": phase, f"{kind.week_path}__week": week}
            )
            for instance in rows:
                out.append((kind, instance, kind.value_names))
                found = True
        if not found:
            raise RuleConflict(
                f"{participant.participant_id} has no {phase} week {week}.", field="weeks"
            )
    return out


@transaction.atomic
def sdv_verify(
    *,
    participant: Participant,
    by_user,
    forms: Iterable[FormTarget] = (),
    weeks: Iterable[tuple[str, int]] = (),
) -> int:
    """Mark the named values, forms and participant-weeks verified. Values already
    verified keep their mark. Returns the number of marks made."""
    if role_of(by_user) not in SDV_ROLES:
        raise AccessDenied("Only a monitor verifies source data.")
    if not participants_for(by_user).filter(pk=participant.pk).exists():
        raise AccessDenied(f"{participant.participant_id} is not at one of your sites.")
    forms, weeks = list(forms), list(weeks)
    if not forms and not weeks:
        raise InvalidValue("Name at least one form or week to verify.", field="forms")
    now = timezone.now()
    made = 0
    for kind, instance, names in _targets(participant, forms, weeks):
        content_type = content_type_of(kind)
        current = set(
            SdvMark.objects.filter(
                content_type=content_type, object_id=instance.pk, cleared_at__isnull=True
            ).values_list("field", flat=True)
        )
        for name in names:
            value = getattr(instance, name)
            if value in EMPTY or name in current:
                continue
            try:
                with transaction.atomic():
                    SdvMark.objects.create(
                        participant=participant,
                        content_type=content_type,
                        object_id=instance.pk,
                        record=kind.name,
                        field=name,
                        value_shown=shown(value)[:VALUE_SHOWN_MAX],
                        verified_by=by_user,
                        verified_at=now,
                    )
            except IntegrityError:  # marked by a simultaneous request
                continue
            made += 1
    return made


def sdv_marks_clear(*, kind: ClinicalRecord, instance, before: dict, by_user, at=None) -> int:
    """Clear the marks of the values that changed (`before`: their old values), each
    saying what changed and by whom."""
    at = at or timezone.now()
    marks = SdvMark.objects.filter(
        content_type=content_type_of(kind),
        object_id=instance.pk,
        field__in=list(before),
        cleared_at__isnull=True,
    )
    label = record_label(kind, instance)
    who = by_user.get_username() if by_user is not None else "the system"
    cleared = 0
    for mark in marks:
        name = mark.field
        old, new = shown(before[name]) or "empty", shown(getattr(instance, name)) or "empty"
        note = (
            f"{label}: {kind.value(name).label.lower()} changed from {old} to {new} by {who} "
            "after it was verified; verify it again."
        )
        cleared += SdvMark.objects.filter(pk=mark.pk, cleared_at__isnull=True).update(
            cleared_at=at, cleared_by=by_user, cleared_note=note
        )
    return cleared
