"""A participant's casebook: every clinical record that belongs to them, found from the
declarations, never listed by hand.

A clinical record is a model of the diary app whose fields are declared values of one
record of diary.declarations.records (each field made by `Value.model_field` knows
its value) and that belongs to a participant: the participant itself, a record the
participant points to one-to-one (their screening record), or a record pointing to
the participant (directly or through another such record). A record declared and
stored later (the electronic diary's nights) is part of the casebook, of source data
verification, of the signature's content and of the ODM export without any change
here.

Each record kind is placed in the trial's schedule the same way everywhere (the SDV
page, the ODM export): a record with a protocol week belongs to that week; a record
of which a participant has one (the participant, their screening record) to
screening and enrolment; any other (adverse events, nights) is repeated at any time.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from diary.declarations import Context, Record, Value
from diary.declarations import records as declared

EMPTY = (None, "")

# Where a record kind sits in the schedule.
ENROLMENT = "enrolment"  # one per participant: screening and enrolment
WEEKLY = "weekly"  # one per protocol week
REPEATING = "repeating"  # any number, at any time


@dataclass(frozen=True)
class ClinicalRecord:
    """A declared record stored by a model, and how it belongs to a participant."""

    record: Record
    model: type[models.Model]
    values: tuple[Value, ...]  # the declared values the model stores, in declared order
    participant_path: str  # ORM path from the model to its Participant ("" for itself)
    week_path: str | None  # ORM path to its ProtocolWeek, for a weekly record
    placement: str

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def label(self) -> str:
        return self.record.label

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.values)

    def value(self, name: str) -> Value:
        for value in self.values:
            if value.name == name:
                return value
        raise KeyError(f"{self.name} has no value {name!r}")

    def of_participants(self, participant_ids) -> models.QuerySet:
        """The rows of this record kind belonging to these participants."""
        if not self.participant_path:
            return self.model.objects.filter(pk__in=participant_ids)
        return self.model.objects.filter(**{f"{self.participant_path}__in": participant_ids})

    def participant_id_path(self) -> str:
        return f"{self.participant_path}__pk" if self.participant_path else "pk"

    def participant_of(self, instance) -> int | None:
        """The pk of the participant an instance belongs to (None when it has none yet,
        as a screening record of a candidate not enrolled)."""
        participant = self.participant_object(instance)
        return participant.pk if participant is not None else None

    def participant_object(self, instance):
        """The Participant an instance belongs to (read through the relations, so a
        select_related query reads nothing more)."""
        if not self.participant_path:
            return instance
        target = instance
        for part in self.participant_path.split("__"):
            try:
                target = getattr(target, part)
            except models.ObjectDoesNotExist:
                return None
            if target is None:
                return None
        return target

    def week_of(self, instance):
        """(phase, week) of a weekly record's protocol week."""
        if self.week_path is None:
            return None
        target = instance
        for part in self.week_path.split("__"):
            target = getattr(target, part)
        return target.phase, target.week


def _declared_records() -> list[Record]:
    return [value for value in vars(declared).values() if isinstance(value, Record)]


def _is_participant(model) -> bool:
    return model._meta.label == "diary.Participant"


def _path_to(model, target, depth: int = 2) -> str | None:
    """The ORM path from `model` to the model `target` is (a callable test), through
    forward foreign keys and one-to-one relations (both directions)."""
    if target(model):
        return ""
    if depth == 0:
        return None
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model is None:
            continue
        forward = field.concrete and (field.many_to_one or field.one_to_one)
        reverse_one = field.one_to_one and field.auto_created and not field.concrete
        if not (forward or reverse_one):
            continue
        name = field.name if forward else field.get_accessor_name()
        rest = _path_to(field.related_model, target, depth - 1)
        if rest is not None:
            return f"{name}__{rest}" if rest else name
    return None


def _placement(model, participant_path: str) -> tuple[str, str | None]:
    week = _path_to(model, lambda m: m._meta.label == "diary.ProtocolWeek")
    if week:
        return WEEKLY, week
    if participant_path == "":
        return ENROLMENT, None
    first = participant_path.split("__")[0]
    field = model._meta.get_field(first)
    if field.one_to_one and "__" not in participant_path:
        return ENROLMENT, None
    return REPEATING, None


@cache
def clinical_records() -> tuple[ClinicalRecord, ...]:
    """Every clinical record kind stored in the database, in the declarations' order."""
    records = _declared_records()
    order = {record.name: i for i, record in enumerate(records)}
    owner = {id(value): record for record in records for value in record.values}
    found = []
    for model in apps.get_app_config("diary").get_models():
        if getattr(model, "instance_type", None) is not None:  # a history table
            continue
        stored = [
            f
            for f in model._meta.concrete_fields
            if id(getattr(f, "declared_value", None)) in owner
        ]
        if not stored:
            continue
        counts: dict[str, int] = defaultdict(int)
        for f in stored:
            counts[owner[id(f.declared_value)].name] += 1
        name = max(counts, key=lambda n: counts[n])
        record = next(r for r in records if r.name == name)
        path = _path_to(model, _is_participant)
        if path is None:
            continue  # the site, the protocol: not a participant's record
        fields = {f.name: f.declared_value for f in stored if f.declared_value in record.values}
        values = tuple(v for v in record.values if v.name in fields)
        placement, week_path = _placement(model, path)
        found.append(ClinicalRecord(record, model, values, path, week_path, placement))
    return tuple(sorted(found, key=lambda c: order[c.name]))


def clinical_record(name: str) -> ClinicalRecord:
    for kind in clinical_records():
        if kind.name == name:
            return kind
    raise KeyError(f"no clinical record {name!r}")


def clinical_record_for_model(model) -> ClinicalRecord | None:
    model = getattr(model, "_meta", None) and model._meta.concrete_model
    for kind in clinical_records():
        if kind.model is model:
            return kind
    return None


def content_type_of(kind: ClinicalRecord) -> ContentType:
    return ContentType.objects.get_for_model(kind.model)


# -- values ---------------------------------------------------------------------------


def values_of(kind: ClinicalRecord, instance) -> dict:
    return {name: getattr(instance, name) for name in kind.value_names}


def shown(value) -> str:
    """A value as text, the same everywhere (SDV marks, queries, the signed content)."""
    if value in EMPTY:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def check_context(kind: ClinicalRecord, instance, *, today: date | None = None) -> Context:
    """What a record's edit checks may read besides its values: its other stored
    fields (a diary week's due date), its protocol week (phase, week), the trial's
    call window and today."""
    facts = {
        f.attname: getattr(instance, f.attname)
        for f in kind.model._meta.concrete_fields
        if not hasattr(f, "declared_value")
    }
    week = kind.week_of(instance)
    if week is not None:
        facts["phase"], facts["week"] = week
    participant = kind.participant_object(instance)
    if participant is not None:
        facts.update(
            consented_on=participant.consented_on,
            randomized_on=participant.randomized_on,
            withdrawn_on=participant.withdrawn_on,
            call_window_days=participant.trial.call_window_days,
        )
    if kind.name == "diary" and getattr(instance, "source", "") == "diary":
        # A week confirmed from the electronic diary: what its nights give now.
        from diary.selectors.nights import week_diary

        diary = week_diary(diary_week=instance)
        facts["diary_derived"] = diary.derived.stored() if diary is not None else None
    facts["today"] = today or timezone.localdate()
    return Context(facts)


def record_label(kind: ClinicalRecord, instance) -> str:
    """The record as staff name it: "Intervention week 3", "Adverse event: Headache"."""
    week = kind.week_of(instance)
    if week is not None:
        from diary.declarations import Phase

        return f"{Phase(week[0]).label} week {week[1]}"
    if kind.placement == ENROLMENT:
        return kind.label
    described = next(
        (getattr(instance, v.name) for v in kind.values if v.kind == "text" and v.required), None
    )
    dated = next((getattr(instance, v.name) for v in kind.values if v.kind == "date"), None)
    parts = [str(p) for p in (described, dated) if p not in EMPTY]
    return f"{kind.label}: {', '.join(parts)}" if parts else f"{kind.label} {instance.pk}"


def record_label_shown(kind: ClinicalRecord, instance) -> str:
    """`record_label` as staff read it, in the active language (pages only: what is
    stored or exported keeps `record_label`)."""
    from django.utils.translation import gettext

    from diary.labels import translated, week_label

    week = kind.week_of(instance)
    if week is not None:
        return week_label(*week)
    label = translated(kind.label)
    if kind.placement == ENROLMENT:
        return label
    described = next(
        (getattr(instance, v.name) for v in kind.values if v.kind == "text" and v.required), None
    )
    dated = next((getattr(instance, v.name) for v in kind.values if v.kind == "date"), None)
    parts = [str(p) for p in (described, dated) if p not in EMPTY]
    if parts:
        return gettext("%(record)s: %(details)s") % {"record": label, "details": ", ".join(parts)}
    return f"{label} {instance.pk}"


# -- the casebook's content, as signed ------------------------------------------------


def casebook_rows(participant_ids: Iterable[int]) -> dict[int, list[tuple[str, int, dict]]]:
    """Every record of each participant: [(record name, id, {value: text})], in a fixed
    order (record kinds as declared, then id)."""
    ids = list(participant_ids)
    rows: dict[int, list] = {pid: [] for pid in ids}
    for kind in clinical_records():
        queryset = kind.of_participants(ids).order_by("pk")
        for row in queryset.values("pk", kind.participant_id_path(), *kind.value_names):
            owner = row[kind.participant_id_path()]
            values = {name: shown(row[name]) for name in kind.value_names}
            rows[owner].append((kind.name, row["pk"], values))
    return rows


def content_digest(rows: list[tuple[str, int, Mapping]]) -> str:
    """SHA-256 of a casebook's canonical JSON."""
    canonical = json.dumps(
        [[name, pk, dict(sorted(values.items()))] for name, pk, values in rows],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def casebook_digests(participant_ids: Iterable[int]) -> dict[int, str]:
    return {pid: content_digest(rows) for pid, rows in casebook_rows(participant_ids).items()}
