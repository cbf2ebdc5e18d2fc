"""The randomization list: generated in the app or imported, verified, fingerprinted,
stored with its arms sealed, and frozen at the first allocation.

Only the unblinded statistician makes or discards a list (`by_user=None` is for
management commands and the simulation, which run without a request).
"""

import hashlib
import logging
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from diary.crypto import seal_arm
from diary.errors import AccessDenied, InvalidValue, ListFrozen
from diary.models import ListEntry, RandomizationList, Trial
from diary.randomization.design import METHODS, PERMUTED_BLOCKS, ListDesign, ListRow, generate
from diary.randomization.listfile import fingerprint, parse_csv
from diary.randomization.strata import check_factors, strata_of
from diary.randomization.verification import verify
from diary.roles import is_unblinded
from diary.selectors.allocation import list_ratios
from diary.services.audit import ensure_trial_open

logger = logging.getLogger(__name__)

SEED_BITS = 62


def _ensure_unblinded(by_user) -> None:
    if by_user is not None and not is_unblinded(by_user):
        raise AccessDenied("Only the unblinded statistician manages the randomization list.")


def _ensure_no_list(trial: Trial) -> None:
    if RandomizationList.objects.filter(trial=trial).exists():
        raise InvalidValue(
            "The trial already has a randomization list; discard it first (possible only "
            "before the first allocation).",
            field="randomization_list",
        )


def _check_factors(stratify_by: Sequence[str]) -> list[str]:
    problems = check_factors(list(stratify_by))
    if problems:
        raise InvalidValue(problems[0], field="stratify_by")
    return list(stratify_by)


def _store(
    *,
    trial: Trial,
    rows: list[ListRow],
    source: str,
    method: str,
    seed: int | None,
    parameters: dict,
    by_user,
) -> RandomizationList:
    strata = strata_of(trial, parameters.get("stratify_by", []))
    result = verify(rows, ratios=list_ratios(trial), strata=strata)
    if not result.ok:
        raise InvalidValue(
            "The list was not stored: " + " ".join(result.errors),
            errors={"__all__": result.errors},
        )
    randomization_list = RandomizationList(
        trial=trial,
        source=source,
        method=method,
        seed=seed,
        parameters={**parameters, "block_sizes_found": result.block_sizes},
        sha256=fingerprint(rows),
        created_by=by_user,
    )
    randomization_list._history_user = by_user
    randomization_list.save()
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                randomization_list=randomization_list,
                bottle_number=row.bottle_number,
                arm_sealed=seal_arm(row.arm_code),
                is_spare=row.is_spare,
            ).seal(block=row.block, stratum=row.stratum)
            for row in rows
        ],
        batch_size=2000,
    )
    logger.info(
        "Randomization list %s stored (%s, %d bottles)", randomization_list.pk, source, len(rows)
    )
    return randomization_list


@transaction.atomic
def randomization_list_generate(
    *,
    trial: Trial,
    bottles_per_stratum: int,
    method: str = PERMUTED_BLOCKS,
    block_sizes: Sequence[int] = (4, 6),
    stratify_by: Sequence[str] = (),
    spares: int = 0,
    seed: int | None = None,
    by_user,
) -> RandomizationList:
    """Generate the trial's list with the arms' ratio. Without a seed one is drawn
    from the operating system's secure generator; either way it is recorded (sealed)
    so the list can be regenerated."""
    _ensure_unblinded(by_user)
    ensure_trial_open(trial)
    _ensure_no_list(trial)
    stratify_by = _check_factors(stratify_by)
    strata = strata_of(trial, stratify_by)
    if stratify_by and len(strata) < 2:
        raise InvalidValue("The chosen factors make fewer than two strata.", field="stratify_by")
    arms = tuple(trial.arms.order_by("code").values_list("code", "ratio"))
    design = ListDesign(
        arms=arms,
        method=method,
        block_sizes=tuple(sorted(set(block_sizes))) if method == PERMUTED_BLOCKS else (),
        strata=tuple(strata),
        bottles_per_stratum=bottles_per_stratum,
        spares=spares,
    )
    problems = design.problems()
    if problems:
        field, messages = next(iter(problems.items()))
        raise InvalidValue(messages[0], field=field, errors=problems)
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    elif seed < 0:
        raise InvalidValue("The seed must be a non-negative whole number.", field="seed")
    rows = generate(design, seed=seed)
    return _store(
        trial=trial,
        rows=rows,
        source=RandomizationList.Source.GENERATED,
        method=method,
        seed=seed,
        parameters={
            "method": METHODS[method],
            "ratio": {code: ratio for code, ratio in arms},
            "block_sizes": list(design.block_sizes),
            "stratify_by": stratify_by,
            "bottles_per_stratum": bottles_per_stratum,
            "spares": spares,
        },
        by_user=by_user,
    )


@transaction.atomic
def randomization_list_import(
    *,
    trial: Trial,
    content: bytes,
    file_name: str = "",
    stratify_by: Sequence[str] = (),
    by_user,
) -> RandomizationList:
    """Import a list made elsewhere (CSV: bottle_number, arm_code, and optionally block,
    stratum, is_spare). Refused with every problem listed when it does not verify."""
    _ensure_unblinded(by_user)
    ensure_trial_open(trial)
    _ensure_no_list(trial)
    stratify_by = _check_factors(stratify_by)
    rows, errors = parse_csv(content, name=file_name or "the list")
    if errors:
        raise InvalidValue(
            "The list was not imported: " + " ".join(errors[:50]), errors={"__all__": errors[:50]}
        )
    return _store(
        trial=trial,
        rows=rows,
        source=RandomizationList.Source.IMPORTED,
        method="imported",
        seed=None,
        parameters={
            "file_name": file_name,
            "file_sha256": hashlib.sha256(content).hexdigest(),
            "stratify_by": stratify_by,
        },
        by_user=by_user,
    )


@transaction.atomic
def randomization_list_discard(*, randomization_list: RandomizationList, by_user) -> None:
    """Remove a list that no bottle has been given from (to generate or import another)."""
    _ensure_unblinded(by_user)
    randomization_list = RandomizationList.objects.select_for_update().get(pk=randomization_list.pk)
    if randomization_list.is_frozen:
        raise ListFrozen(
            "The randomization list is frozen (bottles have been allocated from it); "
            "it cannot be discarded."
        )
    randomization_list._history_user = by_user
    randomization_list.entries.all().delete()
    randomization_list.delete()
    logger.info("Randomization list %s discarded", randomization_list.pk)


@transaction.atomic
def randomization_list_freeze(*, randomization_list: RandomizationList, by_user) -> None:
    """Freeze the list before any allocation, when the statistician decides to."""
    _ensure_unblinded(by_user)
    randomization_list = RandomizationList.objects.select_for_update().get(pk=randomization_list.pk)
    list_freeze_on_allocation(randomization_list, by_user=by_user)


def list_freeze_on_allocation(randomization_list: RandomizationList, *, by_user) -> None:
    """Freeze the list at its first allocation; a no-op when already frozen. Runs in
    the transaction that holds the list's row lock."""
    if randomization_list.is_frozen:
        return
    randomization_list.frozen_at = timezone.now()
    randomization_list._history_user = by_user
    randomization_list._change_reason = "frozen"
    randomization_list.save(update_fields=["frozen_at"])
