"""Reads of data management: queries, source data verification, signatures and the
casebook's lock. Scoped like every clinical read (diary.selectors.scoping).

Queries are counted by one selector, `query_counts`, wherever a count is shown (the
query list, the call queue, the participant page, the progress report, the admin and
the API), so the same queries give the same figures everywhere: *open* waits for the
site's answer, *answered* for the monitor's review, *closed* is resolved; *unresolved*
is open plus answered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils.translation import gettext

from diary.labels import translated
from diary.models import (
    Casebook,
    CasebookEvent,
    Participant,
    Query,
    SdvMark,
    Signature,
    Trial,
)
from diary.roles import sees_direct_identifiers
from diary.selectors.casebook import (
    EMPTY,
    ClinicalRecord,
    casebook_digests,
    casebook_rows,
    clinical_records,
    content_type_of,
    record_label,
    shown,
)
from diary.selectors.scoping import participants_for

UNRESOLVED = (Query.State.OPEN, Query.State.ANSWERED)


def queries_for(user) -> QuerySet[Query]:
    return Query.objects.filter(participant__in=participants_for(user))


# -- counting queries: the one selector ----------------------------------------------


@dataclass
class QueryCount:
    open: int = 0
    answered: int = 0
    closed: int = 0

    @property
    def unresolved(self) -> int:
        return self.open + self.answered

    @property
    def total(self) -> int:
        return self.open + self.answered + self.closed


@dataclass(frozen=True)
class QueryCounts:
    by_site: dict[str, QueryCount]
    total: QueryCount


def query_counts(queries: QuerySet[Query], *, sites=()) -> QueryCounts:
    """Queries counted by site and state (open, answered, closed). `sites` (codes)
    are listed even when they have none."""
    by_site: dict[str, QueryCount] = {code: QueryCount() for code in sites}
    total = QueryCount()
    rows = (
        queries.order_by()
        .values("participant__site__code", "state")
        .annotate(n=Count("pk"))
        .values_list("participant__site__code", "state", "n")
    )
    for site, state, n in rows:
        count = by_site.setdefault(site, QueryCount())
        setattr(count, state, getattr(count, state) + n)
        setattr(total, state, getattr(total, state) + n)
    return QueryCounts(dict(sorted(by_site.items())), total)


def open_queries_for(user) -> QuerySet[Query]:
    """The queries waiting for the site's answer, oldest first (the site's queue)."""
    return (
        queries_for(user)
        .filter(state=Query.State.OPEN)
        .select_related("participant__site", "raised_by")
        .order_by("raised_at", "pk")
    )


@dataclass(frozen=True)
class QueriedValue:
    query_id: int
    state: str
    text: str

    @property
    def state_label(self) -> str:
        """The query's state as staff read it, in their language."""
        return translated(Query.State(self.state).label).lower()


def queried_values(participant: Participant) -> dict[str, list[QueriedValue]]:
    """Unresolved queries of a participant by value: {"diary:12:severity": [...]}."""
    out: dict[str, list[QueriedValue]] = defaultdict(list)
    for q in Query.objects.filter(participant=participant, state__in=UNRESOLVED).order_by("pk"):
        out[value_key(q.record, q.object_id, q.field)].append(QueriedValue(q.pk, q.state, q.text))
    return dict(out)


def value_key(record: str, object_id: int, field: str) -> str:
    return f"{record}:{object_id}:{field}"


# -- signatures and the casebook's lock ------------------------------------------------


@dataclass(frozen=True)
class SignatureState:
    """The casebook's signature now: `valid` when the latest signature was not made
    invalid by a change and still matches the content (a write around the services
    shows too)."""

    participant: Participant
    signature: Signature | None
    valid: bool
    digest: str
    version: int
    locked_at: datetime | None
    invalid_note: str = ""

    @property
    def needs_signature(self) -> bool:
        return not self.valid


def signature_state(participant: Participant, *, with_digest: bool = False) -> SignatureState:
    """The casebook's signature now. Its content is read (to compare with the signed
    hash) when there is a signature not already made invalid, or when asked for."""
    casebook = Casebook.objects.filter(participant=participant).first()
    signature = (
        Signature.objects.filter(participant=participant).select_related("signed_by").first()
    )
    digest = ""
    if with_digest or (signature is not None and signature.is_valid):
        digest = casebook_digests([participant.pk])[participant.pk]
    valid = bool(signature and signature.is_valid and signature.content_sha256 == digest)
    note = ""
    if signature is not None and not valid:
        note = signature.invalidated_note or (
            "The casebook's content no longer matches what was signed."
        )
    return SignatureState(
        participant=participant,
        signature=signature,
        valid=valid,
        digest=digest,
        version=casebook.version if casebook else 1,
        locked_at=casebook.locked_at if casebook else None,
        invalid_note=note,
    )


def casebook_digest(participant: Participant) -> str:
    return casebook_digests([participant.pk])[participant.pk]


def signature_states(participants) -> dict[int, bool]:
    """{participant pk: has a valid signature}, in bulk."""
    ids = [p.pk if isinstance(p, Participant) else p for p in participants]
    digests = casebook_digests(ids)
    latest: dict[int, Signature] = {}
    for signature in Signature.objects.filter(participant_id__in=ids).order_by("signed_at", "pk"):
        latest[signature.participant_id] = signature
    return {
        pid: bool(
            pid in latest and latest[pid].is_valid and latest[pid].content_sha256 == digests[pid]
        )
        for pid in ids
    }


@dataclass(frozen=True)
class LockBlockers:
    unsigned: list[str]  # participant ids without a valid signature
    unresolved: list[Query]

    def __bool__(self) -> bool:
        return bool(self.unsigned or self.unresolved)

    def summary(self) -> str:
        parts = []
        if self.unsigned:
            parts.append(
                f"{len(self.unsigned)} casebook{'s' if len(self.unsigned) != 1 else ''} "
                f"not signed ({', '.join(self.unsigned[:20])}"
                + (", ..." if len(self.unsigned) > 20 else "")
                + ")"
            )
        if self.unresolved:
            parts.append(
                f"{len(self.unresolved)} quer{'ies' if len(self.unresolved) != 1 else 'y'} "
                "not closed"
            )
        return "; ".join(parts)


def lock_blockers(trial: Trial) -> LockBlockers:
    """What stands in the way of the database lock: casebooks without a valid
    signature and queries not closed."""
    participants = list(
        Participant.objects.filter(trial=trial)
        .order_by("participant_id")
        .values_list("pk", "participant_id")
    )
    valid = signature_states([pk for pk, _ in participants])
    unresolved = list(
        Query.objects.filter(participant__trial=trial, state__in=UNRESOLVED)
        .select_related("participant")
        .order_by("participant__participant_id", "pk")
    )
    return LockBlockers([pid for pk, pid in participants if not valid[pk]], unresolved)


# -- source data verification ----------------------------------------------------------


@dataclass(frozen=True)
class SdvProgress:
    label: str
    values: int  # values holding something
    verified: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.verified / self.values, 1) if self.values else None


def _participant_counts(ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = casebook_rows(ids)
    marks = dict(
        SdvMark.objects.filter(participant_id__in=ids, cleared_at__isnull=True)
        .order_by()
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values_list("participant_id", "n")
    )
    counts = {}
    for pid, records in rows.items():
        filled = sum(1 for _, _, values in records for v in values.values() if v != "")
        counts[pid] = (filled, min(marks.get(pid, 0), filled))
    return counts


def sdv_progress(
    participants: QuerySet[Participant],
) -> tuple[list[SdvProgress], list[SdvProgress]]:
    """SDV progress by site and by participant: values holding something, and those
    verified (a mark not cleared by a change)."""
    rows = list(
        participants.order_by("participant_id").values_list("pk", "participant_id", "site__code")
    )
    counts = _participant_counts([pk for pk, _, _ in rows])
    sites: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_participant = []
    for pk, pid, site in rows:
        values, verified = counts[pk]
        by_participant.append(SdvProgress(pid, values, verified))
        sites[site][0] += values
        sites[site][1] += verified
    by_site = [SdvProgress(code, v, d) for code, (v, d) in sorted(sites.items())]
    return by_site, by_participant


# -- a participant's casebook, form by form ----------------------------------------------


@dataclass(frozen=True)
class ValueView:
    name: str
    label: str
    unit: str
    shown: str
    verified: bool
    verified_by: str = ""
    queries: list[QueriedValue] = field(default_factory=list)
    choices: dict | None = None  # {code: label} of a value with an answer list

    @property
    def key_field(self) -> str:
        return self.name

    @property
    def label_shown(self) -> str:
        """The value's label in the active language (the pages')."""
        return translated(self.label)

    @property
    def shown_display(self) -> str:
        """The value as the pages show it: a yes or no in the active language."""
        if self.choices and self.shown in self.choices:
            return translated(self.choices[self.shown])
        if self.shown == "yes":
            return gettext("yes")
        if self.shown == "no":
            return gettext("no")
        return self.shown


@dataclass(frozen=True)
class FormView:
    kind: ClinicalRecord
    instance: object
    label: str
    week: tuple[str, int] | None
    values: list[ValueView]

    @property
    def record(self) -> str:
        return self.kind.name

    @property
    def object_id(self) -> int:
        return self.instance.pk

    @property
    def filled(self) -> int:
        return sum(1 for v in self.values if v.shown)

    @property
    def verified(self) -> int:
        return sum(1 for v in self.values if v.verified)

    @property
    def label_shown(self) -> str:
        """The record's label in the active language (the pages')."""
        from diary.selectors.casebook import record_label_shown

        return record_label_shown(self.kind, self.instance)

    @property
    def fully_verified(self) -> bool:
        return self.filled > 0 and self.verified >= self.filled


def casebook_forms(participant: Participant, *, reader) -> list[FormView]:
    """Every record of the participant with its values, their SDV marks and queries;
    the direct identifiers (the phone number) only for a reader whose role may read
    them (roles.sees_direct_identifiers)."""
    identifiers = sees_direct_identifiers(reader)
    queried = queried_values(participant)
    marks = {}
    for mark in SdvMark.objects.filter(
        participant=participant, cleared_at__isnull=True
    ).select_related("verified_by"):
        marks[value_key(mark.record, mark.object_id, mark.field)] = mark
    forms = []
    for kind in clinical_records():
        rows = kind.of_participants([participant.pk]).order_by("pk")
        if kind.week_path:
            rows = rows.select_related(kind.week_path).order_by(
                f"-{kind.week_path}__phase", f"{kind.week_path}__week", "pk"
            )
        for instance in rows:
            values = []
            for value in kind.values:
                if value.direct_identifier and not identifiers:
                    continue
                key = value_key(kind.name, instance.pk, value.name)
                raw = getattr(instance, value.name)
                mark = marks.get(key)
                values.append(
                    ValueView(
                        name=value.name,
                        label=value.label,
                        unit=value.unit if value.unit != "date" else "",
                        shown=shown(raw) if raw not in EMPTY else "",
                        verified=mark is not None,
                        verified_by=mark.verified_by.get_username() if mark else "",
                        queries=queried.get(key, []),
                        choices=dict(value.choices.choices) if value.kind == "enum" else None,
                    )
                )
            forms.append(
                FormView(
                    kind, instance, record_label(kind, instance), kind.week_of(instance), values
                )
            )
    return forms


# -- the timeline's entries of data management -----------------------------------------


@dataclass(frozen=True)
class DataEvent:
    when: datetime
    who: str
    record: str
    kind: str
    what: str
    reason: str


def data_management_events(participant: Participant) -> list[DataEvent]:
    """Verification marks cleared by a change, signatures and their invalidation,
    the casebook's lock: for the participant's timeline."""
    events = []
    marks = SdvMark.objects.filter(
        participant=participant, cleared_at__isnull=False
    ).select_related("cleared_by")
    kinds = {k.name: k for k in clinical_records()}
    for mark in marks:
        kind = kinds.get(mark.record)
        label = (
            translated(kind.value(mark.field).label)
            if kind and mark.field in kind.value_names
            else mark.field
        )
        events.append(
            DataEvent(
                when=mark.cleared_at,
                who=mark.cleared_by.get_username() if mark.cleared_by else gettext("system"),
                record=gettext("Source data verification"),
                kind=gettext("verification cleared"),
                what=gettext("%(value)s: verified value %(shown)s changed; no longer verified")
                % {"value": label, "shown": mark.value_shown or gettext("empty")},
                reason=mark.cleared_note,
            )
        )
    from diary.services.casebooks import SIGNATURE_MEANING

    for event in CasebookEvent.objects.filter(participant=participant).select_related("by_user"):
        events.append(
            DataEvent(
                when=event.at,
                who=event.by_user.get_username() if event.by_user else gettext("system"),
                record=gettext("Casebook"),
                kind=translated(event.get_kind_display()).lower(),
                what=translated(event.get_kind_display()),
                reason=event.note.replace(SIGNATURE_MEANING, gettext(SIGNATURE_MEANING)),
            )
        )
    return events


def content_type_for(kind: ClinicalRecord):
    return content_type_of(kind)
