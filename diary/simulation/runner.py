"""Entering a simulated trial plan into the app.

`plan_run` goes through the app's own services, in the order a real trial is
entered: the unblinded statistician imports the randomization list; research
staff log every screened candidate (answers to the eligibility criteria, consent
of the eligible who agree), enter the baseline characteristics and the screening
diary calls, randomize on the plan's dates, make the weekly calls (not-reached
calls included), record withdrawals and adverse events. Every row is validated
and audited exactly as it would be from the web app.

`plan_import` is the bulk route for large plans (benchmarks): the plan is written
as a data package and imported with `package_import`, which checks the whole
package and writes it in bulk.

Both refuse a database whose trial already holds data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import transaction

from diary.errors import InvalidValue
from diary.models import (
    DiaryWeek,
    Participant,
    Phase,
    RandomizationList,
    ScreeningRecord,
    Trial,
)
from diary.package.schema import FILES, TRIAL_JSON
from diary.package.writer import frame_csv_bytes, package_write, trial_json_bytes
from diary.presets import PRESETS
from diary.randomization.design import ListRow
from diary.randomization.listfile import canonical_csv
from diary.selectors.trial import trial_or_none
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import week_start, weekly_call_record
from diary.services.package_import import package_import
from diary.services.participants import participant_update, participant_withdraw
from diary.services.randomization import participant_randomize
from diary.services.randomization_list import randomization_list_import
from diary.services.screening import Consent, screening_record_create
from diary.services.trial import trial_create_from_preset
from diary.simulation.answers import screening_answers
from diary.simulation.plan import TrialPlan

# Every simulated plan runs on the reference trial's protocol.
PROTOCOL_PRESET = "vitk2-nlc-2024"
# Spare bottles per arm kept in reserve for replacing lost or damaged ones.
SPARES_PER_ARM = 5
CONSENT_FORM_VERSION = "1.0"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RunResult:
    trial: Trial
    route: str  # "services" or "package import"
    rows: dict[str, int]  # what was entered, by kind
    list_sha256: str


def plan_steps(plan: TrialPlan) -> int:
    """How many steps `plan_run` reports progress for."""
    p = plan.participants
    return (
        len(plan.screening)
        + 2 * len(p)  # baseline characteristics, randomization
        + len(plan.diary)
        + int(p["withdrawn_on"].notna().sum())
        + len(plan.adverse_events)
    )


def plan_run(
    *,
    plan: TrialPlan,
    by_user=None,
    statistician=None,
    progress: Progress | None = None,
    electronic_diary: bool = False,
) -> RunResult:
    """Enter the whole plan through the services, in one transaction.

    `by_user` is the account the data entry is recorded under (a coordinator, who
    works at every site; None for the system), `statistician` the unblinded
    statistician who imports the list (None for the system). `progress(k)` is
    called as k more steps are done (see `plan_steps`). With `electronic_diary` the
    participants keep the electronic diary: before each call they have entered the
    week's nights (diary.simulation.nights), and a reached call confirms the week's
    values derived from them, which are the plan's.
    """
    step = progress or (lambda k: None)
    diary = _ElectronicDiary(plan) if electronic_diary else None
    with transaction.atomic():
        trial = _empty_trial(plan)
        randomization_list = _list_import(trial, plan, statistician)
        participants = _screening_log(trial, plan, by_user, step)
        _baseline(plan, participants, by_user, step)
        calls = _calls(trial, plan, Phase.SCREENING, by_user, step, diary)
        _randomize(plan, participants, by_user, step)
        calls += _calls(trial, plan, Phase.INTERVENTION, by_user, step, diary)
        withdrawals = _withdrawals(plan, participants, by_user, step)
        events = _adverse_events(plan, participants, by_user, step)
    return RunResult(
        trial=trial,
        route="services",
        rows={
            "screening records": len(plan.screening),
            "participants randomized": int(plan.participants["randomized_on"].notna().sum()),
            "participants consented": len(plan.participants),
            "weekly calls": calls,
            "withdrawals": withdrawals,
            "adverse events": events,
            "bottles on the list": randomization_list.entries.count(),
            **({"diary nights": diary.nights, "diary cramps": diary.cramps} if diary else {}),
        },
        list_sha256=randomization_list.sha256,
    )


def plan_import(*, plan: TrialPlan, by_user=None) -> RunResult:
    """Write the plan as a data package and import it in bulk (for large plans)."""
    trial = trial_or_none()
    if trial is not None:
        _check_protocol(trial, plan)
        _check_empty(trial)
    with tempfile.TemporaryDirectory(prefix="simulated-package-") as scratch:
        path = Path(scratch) / "package"
        files = {f"{stem}.csv": _package_csv(f"{stem}.csv", t) for stem, t in plan.tables().items()}
        if trial is None:
            protocol = {k: v for k, v in PRESETS[PROTOCOL_PRESET].items() if k != "sites"}
            files[TRIAL_JSON] = trial_json_bytes(protocol)
        package_write(files=files, path=path)
        result = package_import(path=path, by_user=by_user)
    return RunResult(
        trial=result.trial,
        route="package import",
        rows=dict(result.rows),
        list_sha256=result.list_sha256 or "",
    )


def _package_csv(name: str, frame: pd.DataFrame) -> bytes:
    """A plan's table as its package file; optional columns it lacks are left empty."""
    spec = FILES[name]
    missing = [
        c.name for c in spec.columns if c.name not in frame and c.name not in spec.extension_columns
    ]
    return frame_csv_bytes(name, frame.assign(**dict.fromkeys(missing, None)))


# -- the trial and its list --------------------------------------------------------------


def _empty_trial(plan: TrialPlan) -> Trial:
    """The configured trial (configured now from the protocol when there is none),
    refused when it already holds data."""
    trial = trial_or_none()
    if trial is None:
        return trial_create_from_preset(name=PROTOCOL_PRESET)
    _check_protocol(trial, plan)
    _check_empty(trial)
    return trial


def _check_empty(trial: Trial) -> None:
    screened = ScreeningRecord.objects.filter(trial=trial).count()
    enrolled = Participant.objects.filter(trial=trial).count()
    has_list = RandomizationList.objects.filter(trial=trial).exists()
    if screened or enrolled or has_list:
        held = f"{screened} screening records, {enrolled} participants"
        held += ", a randomization list" if has_list else ""
        raise InvalidValue(
            f"The database already holds data of trial {trial.code} ({held}). A simulated "
            "trial is entered only into an empty trial: use a fresh database."
        )


def _check_protocol(trial: Trial, plan: TrialPlan) -> None:
    expected = plan.trial
    found = {
        "code": trial.code,
        "screening_weeks": trial.screening_weeks,
        "intervention_weeks": trial.intervention_weeks,
    }
    wrong = [k for k, v in found.items() if expected.get(k) != v]
    arms = set(trial.arms.values_list("code", flat=True))
    if wrong or arms != set(plan.arms["code"]):
        raise InvalidValue(
            f"This database's trial ({trial.code}) is not the protocol the simulated trial "
            f"runs on ({expected['code']}); use a fresh database."
        )


def list_rows(plan: TrialPlan, spares_per_arm: int = SPARES_PER_ARM) -> list[ListRow]:
    """The plan's randomization list (bottle k for the k-th participant randomized),
    followed by a reserve of spare bottles, each arm's spares in a random order
    drawn from the plan's seed."""
    allocation = plan.allocation.sort_values("bottle_number")
    rows = [
        ListRow(bottle_number=int(b), arm_code=str(a), block=None, stratum="", is_spare=False)
        for b, a in zip(allocation["bottle_number"], allocation["arm_code"], strict=True)
    ]
    codes = sorted(plan.arms["code"])
    spares = np.random.default_rng([plan.seed, 1]).permutation(codes * spares_per_arm)
    first = len(rows) + 1
    rows += [
        ListRow(bottle_number=first + i, arm_code=str(arm), block=None, stratum="", is_spare=True)
        for i, arm in enumerate(spares)
    ]
    return rows


def _list_import(trial: Trial, plan: TrialPlan, statistician) -> RandomizationList:
    content = canonical_csv(list_rows(plan))
    return randomization_list_import(
        trial=trial,
        content=content,
        file_name=f"{plan.preset}-seed{plan.seed}-randomization-list.csv",
        by_user=statistician,
    )


# -- screening, baseline, randomization --------------------------------------------------


def _day(value) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _decimal(value) -> Decimal | None:
    return None if pd.isna(value) else Decimal(str(value))


def _screening_log(trial: Trial, plan: TrialPlan, by_user, step) -> dict[str, Participant]:
    """Every screened candidate in screening-id order; the enrolled consent with the
    plan's participant id. Returns the participants by id."""
    criteria = list(trial.criteria.values("code", "kind"))
    answers = screening_answers(plan.screening, criteria)
    consents = {
        row.screening_id: Consent(
            participant_id=row.participant_id,
            consented_on=_day(row.consented_on),
            consent_form_version=CONSENT_FORM_VERSION,
            phone=getattr(row, "phone", ""),
        )
        for row in plan.participants.itertuples(index=False)
    }
    sites = {site.code: site for site in trial.sites.all()}
    for row in plan.screening.sort_values("screening_id").itertuples(index=False):
        record = screening_record_create(
            trial=trial,
            site=sites[row.site_code],
            screening_id=row.screening_id,
            screened_on=_day(row.screened_on),
            sex=row.sex,
            age=int(row.age),
            answers=answers[row.screening_id],
            consent=consents.get(row.screening_id),
            declined_reason=row.reason if row.outcome == "declined" else "",
            by_user=by_user,
        )
        if record.outcome != row.outcome:
            raise InvalidValue(
                f"Screening {row.screening_id} came out {record.outcome}, the plan says "
                f"{row.outcome}."
            )
        step(1)
    return {
        p.participant_id: p
        for p in Participant.objects.filter(trial=trial).select_related("trial", "site")
    }


BASELINE_DECIMALS = ("height_cm", "weight_kg", "creatinine_mg_dl")


def _baseline(plan: TrialPlan, participants: dict, by_user, step) -> None:
    for row in plan.participants.itertuples(index=False):
        changes = {name: _decimal(getattr(row, name)) for name in BASELINE_DECIMALS}
        changes |= {"hypertension": bool(row.hypertension), "diabetes": bool(row.diabetes)}
        participant_update(
            participant=participants[row.participant_id], changes=changes, by_user=by_user
        )
        step(1)


def _randomize(plan: TrialPlan, participants: dict, by_user, step) -> None:
    """Randomize in the plan's order on its dates: the k-th gets bottle k (a trial in
    progress has participants not randomized yet: no date)."""
    for row in plan.participants.itertuples(index=False):
        if pd.isna(row.randomized_on):
            continue
        done = participant_randomize(
            participant=participants[row.participant_id],
            by_user=by_user,
            randomized_on=_day(row.randomized_on),
        )
        if done.bottle_number != int(row.bottle_number):
            raise InvalidValue(
                f"{row.participant_id} was given bottle {done.bottle_number}, the plan says "
                f"{row.bottle_number}."
            )
        step(1)


# -- calls, withdrawals, adverse events ----------------------------------------------------


class _ElectronicDiary:
    """The participants' nights, entered through the diary's service as each
    participant would have entered them (the day after each night)."""

    def __init__(self, plan: TrialPlan):
        self.rng = np.random.default_rng([plan.seed, 18])
        withdrawn = plan.participants.set_index("participant_id")["withdrawn_on"]
        self.withdrawn = {pid: _day(day) for pid, day in withdrawn.items()}
        self.entered: set[tuple[int, date]] = set()
        self.nights = self.cramps = 0

    def week(self, week: DiaryWeek, row) -> str:
        """Enter the week's nights before its call; the call's source of values."""
        from diary.declarations import NightSource
        from diary.services.nights import night_record
        from diary.simulation.nights import missed_week_nights, week_nights

        participant = week.participant
        start = week_start(
            start=participant.randomized_on
            if week.protocol_week.phase == Phase.INTERVENTION
            else participant.consented_on,
            week=week.protocol_week.week,
        )
        last = self.withdrawn.get(participant.participant_id)
        if row.reached:
            nights = week_nights(
                start=start,
                cramps=int(row.cramps),
                duration_min=row.duration_min,
                severity=row.severity,
                last_night=last,
                rng=self.rng,
            )
        else:
            nights = missed_week_nights(start=start, last_night=last)
        if not nights or any((participant.pk, night) in self.entered for night in nights):
            return "phone"  # a week the diary cannot hold as planned: told by phone
        for night, cramps in nights.items():
            night_record(
                participant=participant,
                night=night,
                cramps=cramps,
                source=NightSource.PARTICIPANT,
                today=night + timedelta(days=1),
            )
            self.entered.add((participant.pk, night))
            self.nights += 1
            self.cramps += len(cramps)
        return "diary"


def _calls(
    trial: Trial, plan: TrialPlan, phase: str, by_user, step, diary: _ElectronicDiary | None = None
) -> int:
    """Every call of the phase in the plan's diary (reached or not), on its date."""
    weeks = {
        (w.participant.participant_id, w.protocol_week.week): w
        for w in DiaryWeek.objects.filter(
            participant__trial=trial, protocol_week__phase=phase
        ).select_related("participant", "protocol_week")
    }
    rows = plan.diary[plan.diary["phase"].eq(phase)]
    for row in rows.itertuples(index=False):
        week = weeks[(row.participant_id, int(row.week))]
        source = diary.week(week, row) if diary is not None and week.reached is None else "phone"
        if row.reached:
            weekly_call_record(
                source=source,
                diary_week=week,
                reached=True,
                call_date=_day(row.call_date),
                cramps=int(row.cramps),
                duration_min=_decimal(row.duration_min),
                severity=_decimal(row.severity),
                capsules_missed=None if pd.isna(row.capsules_missed) else int(row.capsules_missed),
                by_user=by_user,
            )
        else:
            weekly_call_record(
                diary_week=week, reached=False, call_date=_day(row.call_date), by_user=by_user
            )
        step(1)
    return len(rows)


def _withdrawals(plan: TrialPlan, participants: dict, by_user, step) -> int:
    rows = plan.participants[plan.participants["withdrawn_on"].notna()]
    for row in rows.itertuples(index=False):
        participant_withdraw(
            participant=participants[row.participant_id],
            withdrawn_on=_day(row.withdrawn_on),
            reason=row.withdrawal_reason,
            by_user=by_user,
        )
        step(1)
    return len(rows)


def _adverse_events(plan: TrialPlan, participants: dict, by_user, step) -> int:
    for row in plan.adverse_events.itertuples(index=False):
        adverse_event_record(
            participant=participants[row.participant_id],
            onset_on=_day(row.onset_on),
            term=row.term,
            serious=bool(row.serious),
            grade=row.grade,
            relatedness=row.relatedness,
            outcome=row.outcome or "",
            resolved_on=_day(row.resolved_on),
            by_user=by_user,
        )
        step(1)
    return len(plan.adverse_events)
