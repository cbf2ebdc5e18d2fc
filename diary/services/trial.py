"""Configuring the trial: the protocol is data."""

from collections.abc import Iterable, Mapping

from django.db import transaction

from diary.errors import InvalidValue
from diary.models import Arm, ArmRole, EligibilityCriterion, Phase, ProtocolWeek, Site, Trial
from diary.presets import PRESETS
from diary.selectors.trial import trial_or_none
from diary.services.audit import full_clean_or_raise


def _check_arms(arms: list[Mapping]) -> None:
    roles = sorted(a.get("role") for a in arms)
    if roles != [ArmRole.COMPARATOR, ArmRole.EXPERIMENTAL]:
        raise InvalidValue(
            "A trial has exactly two arms: one experimental and one comparator.", field="arms"
        )
    if arms[0]["code"] == arms[1]["code"]:
        raise InvalidValue("The two arms need different codes.", field="arms")


@transaction.atomic
def trial_create(
    *,
    code: str,
    title: str,
    arms: list[Mapping],
    sites: Iterable[Mapping] = (),
    screening_weeks: int = 2,
    intervention_weeks: int = 8,
    call_window_days: int = 2,
    min_age: int | None = None,
    min_screening_cramps: int = 2,
    target_enrolment: int | None = None,
    site_prefixed_ids: bool = False,
    criteria: Iterable[Mapping] = (),
    analysis_plan: Mapping | None = None,
) -> Trial:
    """Create the database's trial with its arms, sites, schedule, criteria and statistical
    analysis plan (a JSON object the analysis reads; empty for its default plan)."""
    if trial_or_none() is not None:
        raise InvalidValue("This database already holds a trial.", field="code")
    _check_arms(list(arms))
    if analysis_plan is not None and not isinstance(analysis_plan, Mapping):
        raise InvalidValue("The analysis plan must be a JSON object.", field="analysis_plan")
    trial = Trial(
        code=code,
        title=title,
        screening_weeks=screening_weeks,
        intervention_weeks=intervention_weeks,
        call_window_days=call_window_days,
        min_age=min_age,
        min_screening_cramps=min_screening_cramps,
        target_enrolment=target_enrolment,
        site_prefixed_ids=site_prefixed_ids,
        analysis_plan=dict(analysis_plan or {}),
    )
    full_clean_or_raise(trial)
    trial.save()
    for spec in arms:
        arm = Arm(
            trial=trial,
            code=spec["code"],
            label=spec["label"],
            role=spec["role"],
            ratio=int(spec.get("ratio", 1)),
        )
        full_clean_or_raise(arm, exclude=["trial"])
        arm.save()
    for spec in sites:
        site_add(trial=trial, **spec)
    ProtocolWeek.objects.bulk_create(
        [
            ProtocolWeek(trial=trial, phase=Phase.SCREENING, week=w)
            for w in range(1, screening_weeks + 1)
        ]
        + [
            ProtocolWeek(trial=trial, phase=Phase.INTERVENTION, week=w)
            for w in range(1, intervention_weeks + 1)
        ]
    )
    for position, spec in enumerate(criteria):
        criterion = EligibilityCriterion(trial=trial, position=position, **spec)
        full_clean_or_raise(criterion, exclude=["trial"])
        criterion.save()
    return trial


def site_add(
    *, trial: Trial, site_code: str, name: str, target_enrolment: int | None = None
) -> Site:
    site = Site(trial=trial, code=site_code, name=name, target_enrolment=target_enrolment)
    full_clean_or_raise(site, exclude=["trial"])
    site.save()
    return site


def trial_create_from_preset(*, name: str) -> Trial:
    try:
        preset = PRESETS[name]
    except KeyError:
        raise InvalidValue(
            f"Unknown preset {name!r}; choose one of: {', '.join(sorted(PRESETS))}.",
            field="preset",
        ) from None
    return trial_create(**preset)
