"""Reads of the randomization list and of allocations.

Two kinds of reader live here and must not be confused:
- blinded reads (bottles, strata, readiness to randomize, replacement stock as one
  total) that any role with access to the participant may see;
- unblinded reads (`participant_arm_codes`, `randomization_list_rows`,
  `randomization_list_check`), for the analysis loader, unblinded exports and the
  unblinded statistician's pages. Never render their output to a blinded role.
"""

import hashlib
import hmac
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from diary.crypto import open_arm
from diary.errors import ListIntegrityError
from diary.models import (
    Allocation,
    DiaryWeek,
    EmergencyUnblinding,
    ListEntry,
    Participant,
    Phase,
    RandomizationList,
    Trial,
    TrialEvent,
)
from diary.randomization.design import ListRow
from diary.randomization.listfile import fingerprint
from diary.randomization.strata import FACTORS, strata_of, stratum_of
from diary.randomization.verification import Verification, verify
from diary.roles import Role, is_unblinded, role_of
from diary.selectors.scoping import participants_for

logger = logging.getLogger(__name__)

GROUP_CODES = ("A", "B")


# ---- unblinded reads --------------------------------------------------------------


def participant_arm_codes(*, trial: Trial) -> dict[str, str]:
    """{participant_id: arm code} of the randomized participants whose bottle is on the
    trial's list (for the analysis loader and unblinded exports; never for display
    to a blinded role)."""
    entries = ListEntry.objects.filter(randomization_list__trial=trial, is_spare=False)
    arm_of_bottle = {
        bottle: open_arm(sealed)
        for bottle, sealed in entries.values_list("bottle_number", "arm_sealed").iterator(2000)
    }
    randomized = Participant.objects.filter(trial=trial, bottle_number__isnull=False)
    return {
        pid: arm_of_bottle[bottle]
        for pid, bottle in randomized.values_list("participant_id", "bottle_number")
        if bottle in arm_of_bottle
    }


def free_entries(randomization_list: RandomizationList):
    """Entries not given yet: no allocation record, and (for data imported without
    allocation records) not any participant's bottle number."""
    taken = Participant.objects.filter(
        trial_id=randomization_list.trial_id, bottle_number__isnull=False
    ).values("bottle_number")
    return ListEntry.objects.filter(
        randomization_list=randomization_list, allocation__isnull=True
    ).exclude(bottle_number__in=taken)


def spares_by_arm(*, randomization_list: RandomizationList) -> dict[str, list[ListEntry]]:
    """{arm code: the unused spares of that arm} for every arm of the trial."""
    spares: dict[str, list[ListEntry]] = {
        code: [] for code in randomization_list.trial.arms.values_list("code", flat=True)
    }
    for spare in free_entries(randomization_list).filter(is_spare=True):
        spares.setdefault(open_arm(spare.arm_sealed), []).append(spare)
    return spares


def replacements_left(*, randomization_list: RandomizationList) -> int:
    """How many more replacement bottles the reserve allows: the same for every
    participant whatever their arm (each replacement takes a spare of every arm), so
    it may be shown to blinded staff."""
    spares = spares_by_arm(randomization_list=randomization_list)
    return min((len(entries) for entries in spares.values()), default=0)


def blinded_group_codes(*, trial: Trial) -> dict[str, str]:
    """{arm code: 'A' | 'B'}: the trial's fixed, secret naming of the arms in blinded
    reports. The order is keyed by ALLOCATION_KEY, so it is stable for the trial's
    life, needs no storage, and cannot be worked out without the key."""
    key = settings.ALLOCATION_KEY.encode()
    codes = sorted(trial.arms.values_list("code", flat=True))

    def rank(code: str) -> str:
        message = f"group-code|{trial.code}|{code}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    return dict(zip(sorted(codes, key=rank), GROUP_CODES, strict=False))


def randomization_list_rows(*, randomization_list: RandomizationList) -> list[ListRow]:
    """The list with its arms opened (unblinded statistician, exports, verification)."""
    return [
        ListRow(
            bottle_number=e.bottle_number,
            arm_code=open_arm(e.arm_sealed),
            block=e.block,
            stratum=e.stratum,
            is_spare=e.is_spare,
        )
        for e in randomization_list.entries.order_by("bottle_number").iterator(2000)
    ]


@dataclass(frozen=True)
class ListCheck:
    """The stored list checked against its fingerprint and verified again."""

    fingerprint: str  # as computed now from the stored entries
    intact: bool
    verification: Verification


def list_ratios(trial: Trial) -> dict[str, int]:
    return dict(trial.arms.order_by("code").values_list("code", "ratio"))


def randomization_list_check(*, randomization_list: RandomizationList) -> ListCheck:
    rows = randomization_list_rows(randomization_list=randomization_list)
    actual = fingerprint(rows)
    trial = randomization_list.trial
    strata = strata_of(trial, randomization_list.stratify_by)
    return ListCheck(
        fingerprint=actual,
        intact=hmac.compare_digest(actual, randomization_list.sha256),
        verification=verify(rows, ratios=list_ratios(trial), strata=strata),
    )


TAMPERED = (
    "The randomization list does not match its fingerprint: it was changed after it "
    "was stored. Allocation is stopped; tell the unblinded statistician."
)


# {(list pk, fingerprint, created_at): digest of the sealed entries that were opened
# and matched the fingerprint in this process}. Opening every arm costs tens of
# microseconds a bottle; hashing the sealed entries costs far less, so a list is
# opened again only when its stored entries differ from those last verified.
_VERIFIED: dict[tuple, str] = {}


def _sealed_digest(randomization_list: RandomizationList) -> str:
    digest = hashlib.sha256()
    entries = randomization_list.entries.order_by("bottle_number").values_list(
        "bottle_number", "arm_sealed", "block_sealed", "stratum_sealed", "is_spare"
    )
    for entry in entries.iterator(2000):
        digest.update(repr(entry).encode())
    return digest.hexdigest()


def list_intact_or_raise(randomization_list: RandomizationList) -> None:
    """Refuse to allocate from a list whose content no longer matches its fingerprint.

    Checked at every allocation: the stored entries are compared with those last
    opened and found to match the fingerprint in this process, and opened and checked
    again when anything in them differs. At start-up `manage.py check --deploy
    --database default` checks it too (diary.checks).
    """
    key = (randomization_list.pk, randomization_list.sha256, randomization_list.created_at)
    sealed = _sealed_digest(randomization_list)
    if _VERIFIED.get(key) == sealed:
        return
    rows = randomization_list_rows(randomization_list=randomization_list)
    if not hmac.compare_digest(fingerprint(rows), randomization_list.sha256):
        logger.critical("Randomization list %s fails its fingerprint check", randomization_list.pk)
        raise ListIntegrityError(TAMPERED)
    _VERIFIED[key] = sealed


# ---- blinded reads ----------------------------------------------------------------


def arms_visible_to(*, user, trial: Trial) -> bool:
    """Arm names may be shown to the unblinded statistician, and to every role once
    the trial is unblinded."""
    if is_unblinded(user):
        return True
    return trial.unblinded_at is not None and role_of(user) is not None


def participant_stratum(
    *, participant: Participant, randomization_list: RandomizationList
) -> tuple[str, list[str]]:
    """(stratum, names of the stratification factors not recorded for the participant)."""
    return stratum_of(participant, randomization_list.stratify_by)


def randomization_refusals(*, participant: Participant, on: date) -> list[str]:
    """Why the participant cannot be randomized on that date; empty when they can."""
    trial = participant.trial
    pid = participant.participant_id
    if participant.bottle_number is not None:
        return [
            f"{pid} is already randomized (bottle {participant.bottle_number}, "
            f"on {participant.randomized_on})."
        ]
    reasons: list[str] = []
    if participant.withdrawn_on:
        reasons.append(f"{pid} withdrew on {participant.withdrawn_on}.")
    if not participant.consented_on:
        reasons.append(f"{pid} has not consented.")
    elif on < participant.consented_on:
        reasons.append(f"{pid} consented on {participant.consented_on}, after {on}.")
    eligible = participant.screening.eligible
    if eligible is None:
        reasons.append(f"{pid} has no eligibility decision from screening.")
    elif not eligible:
        reasons.append(f"{pid} was not eligible at screening.")
    weeks = list(
        DiaryWeek.objects.filter(
            participant=participant, protocol_week__phase=Phase.SCREENING
        ).select_related("protocol_week")
    )
    reached = {w.protocol_week.week: w for w in weeks if w.reached}
    missing = [w for w in range(1, trial.screening_weeks + 1) if w not in reached]
    if missing:
        reasons.append(
            "The screening diary is not complete: week "
            + ", ".join(str(w) for w in missing)
            + f" of {trial.screening_weeks} not recorded."
        )
    else:
        cramps = sum(w.cramps or 0 for w in reached.values())
        if cramps < trial.min_screening_cramps:
            reasons.append(
                f"The screening diary recorded {cramps} cramp{'s' if cramps != 1 else ''}; "
                f"at least {trial.min_screening_cramps} are needed."
            )
        last_call = max(w.call_date for w in reached.values())
        if on < last_call:
            reasons.append(
                f"The randomization date cannot be before the last screening call ({last_call})."
            )
    if on > timezone.localdate():
        reasons.append("The randomization date cannot be in the future.")
    randomization_list = RandomizationList.objects.filter(trial=trial).first()
    if randomization_list is not None:
        _, missing_factors = participant_stratum(
            participant=participant, randomization_list=randomization_list
        )
        for name in missing_factors:
            reasons.append(
                f"{FACTORS[name].label} of {pid} is not recorded; the list is stratified by it."
            )
    return reasons


def bottle_history(*, participant: Participant) -> QuerySet[Allocation]:
    """The bottles the participant was given, first the randomization bottle (never
    the spares set aside with a replacement: their arm is the other one)."""
    return (
        participant.allocations.filter(kind__in=Allocation.GIVEN)
        .select_related("list_entry", "by_user")
        .order_by("allocated_at", "pk")
    )


def current_bottle_number(*, participant: Participant) -> int | None:
    latest = bottle_history(participant=participant).last()
    return latest.bottle_number if latest else participant.bottle_number


@dataclass(frozen=True)
class ListStock:
    """Bottles used and left, never broken down by arm."""

    bottles: int
    randomized: int
    left_by_stratum: dict[str, int]
    spares: int
    spares_used: int


def list_stock(*, randomization_list: RandomizationList) -> ListStock:
    entries = randomization_list.entries.values_list("stratum_key", "is_spare", "allocation")
    left: Counter[str] = Counter()
    bottles = randomized = spares = spares_used = 0
    for key, is_spare, allocation in entries:
        bottles += 1
        if is_spare:
            spares += 1
            spares_used += allocation is not None
        elif allocation is None:
            left[key] += 1
        else:
            randomized += 1
    strata = strata_of(randomization_list.trial, randomization_list.stratify_by)
    return ListStock(
        bottles=bottles,
        randomized=randomized,
        left_by_stratum={s: left.get(randomization_list.stratum_key(s), 0) for s in strata},
        spares=spares,
        spares_used=spares_used,
    )


def randomized_participants_for(user) -> QuerySet[Participant]:
    """Randomized participants the user may see (site scoping applies)."""
    return (
        participants_for(user)
        .filter(bottle_number__isnull=False)
        .select_related("site", "emergency_unblinding")
        .order_by("participant_id")
    )


def emergency_unblindings_for(user) -> QuerySet[EmergencyUnblinding]:
    """Emergency unblindings the user may know of: coordinators and the unblinded
    statistician see all, investigators those of their sites; never the arm."""
    if role_of(user) not in (Role.COORDINATOR, Role.UNBLINDED_STATISTICIAN, Role.INVESTIGATOR):
        return EmergencyUnblinding.objects.none()
    return EmergencyUnblinding.objects.filter(
        participant__in=participants_for(user)
    ).select_related("participant", "requested_by")


def trial_events(*, trial: Trial) -> QuerySet[TrialEvent]:
    return trial.events.select_related("by_user")


@dataclass(frozen=True)
class ListTableRow:
    """One bottle of the list for the unblinded statistician's page."""

    row: ListRow
    participant_id: str | None
    kind: str | None
    allocated_on: date | None


def randomization_list_table(*, randomization_list: RandomizationList) -> list[ListTableRow]:
    """The list with arms opened and who got each bottle (unblinded statistician only)."""
    given = {
        a.list_entry.bottle_number: a
        for a in Allocation.objects.filter(
            list_entry__randomization_list=randomization_list
        ).select_related("list_entry", "participant")
    }
    imported = dict(
        Participant.objects.filter(
            trial_id=randomization_list.trial_id, bottle_number__isnull=False
        ).values_list("bottle_number", "participant_id")
    )
    table = []
    for row in randomization_list_rows(randomization_list=randomization_list):
        allocation = given.get(row.bottle_number)
        if allocation is not None:
            who, kind = allocation.participant.participant_id, allocation.get_kind_display()
            on = allocation.allocated_on
        elif row.bottle_number in imported:
            who, kind, on = imported[row.bottle_number], "Randomization", None
        else:
            who = kind = on = None
        table.append(ListTableRow(row=row, participant_id=who, kind=kind, allocated_on=on))
    return table
