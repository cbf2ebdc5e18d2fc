"""The loader returns exactly the stored rows, typed as the dataset contract says."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis.dataset import COLUMNS, TrialDataset, canonical_sha256, coerce_frame
from analysis.loader import itt_dataset
from diary.crypto import open_arm
from diary.models import AdverseEvent, DiaryWeek, ListEntry, Participant, ScreeningRecord
from diary.presets import PRESETS
from tests.analysis.stored_trial import add_randomized, stored_trial


def _plain(value):
    """A frame cell as a plain Python value: None for missing, date for timestamps."""
    if pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]


def _num(value):
    return None if value is None else float(value)


def _text(value):
    return value or None


def _expected_arms(trial) -> dict[int, str]:
    entries = ListEntry.objects.filter(randomization_list__trial=trial)
    return {e.bottle_number: open_arm(e.arm_sealed) for e in entries}


@pytest.fixture
def trial(db):
    return stored_trial(randomized=12, seed=3)


@pytest.fixture
def dataset(trial) -> TrialDataset:
    return itt_dataset(trial=trial)


def test_loader_frames_have_the_contract_columns_and_dtypes(dataset):
    for name, columns in COLUMNS.items():
        frame = dataset.table(name)
        assert list(frame.columns) == list(columns), name
        typed = coerce_frame(name, frame)
        assert dict(frame.dtypes) == dict(typed.dtypes), name
    assert dataset.trial == {
        "code": "VITK2-NLC",
        "title": "Vitamin K2 for nocturnal leg cramps",
        "screening_weeks": 2,
        "intervention_weeks": 8,
        "analysis_plan": PRESETS["vitk2-nlc-2024"]["analysis_plan"],
        "stratify_by": [],
    }


def test_loader_reads_the_stratification_factors_of_the_list(trial):
    from diary.models import RandomizationList

    listing = RandomizationList.objects.get(trial=trial)
    listing.parameters = {"stratify_by": ["site", "sex"]}
    RandomizationList.objects.filter(pk=listing.pk).update(
        parameters_sealed=listing.parameters_sealed
    )
    assert itt_dataset(trial=trial).trial["stratify_by"] == ["site", "sex"]


def test_loader_reads_every_screening_record(trial, dataset):
    expected = sorted(
        (
            s.screening_id,
            s.site.code,
            s.screened_on,
            s.sex,
            float(s.age),
            s.outcome,
            _text(s.reason),
        )
        for s in ScreeningRecord.objects.filter(trial=trial).select_related("site")
    )
    assert _rows(dataset.screening) == expected
    assert {"declined", "not_meeting_inclusion", "enrolled"} == set(dataset.screening["outcome"])


def test_loader_reads_the_randomized_participants_with_their_bottle_arm(trial, dataset):
    arm_of_bottle = _expected_arms(trial)
    people = Participant.objects.filter(trial=trial).select_related("site", "screening")
    expected = sorted(
        (
            p.participant_id,
            p.screening.screening_id,
            p.site.code,
            p.consented_on,
            p.randomized_on,
            p.bottle_number,
            arm_of_bottle[p.bottle_number],
            p.sex,
            float(p.age),
            _num(p.height_cm),
            _num(p.weight_kg),
            p.hypertension,
            p.diabetes,
            _num(p.creatinine_mg_dl),
            p.withdrawn_on,
            _text(p.withdrawal_reason),
            p.treatment_stopped_on,
            _text(p.treatment_stop_reason),
        )
        for p in people
        if p.randomized_on is not None
    )
    assert len(expected) == 12
    assert _rows(dataset.participants) == expected
    assert "C1-900" not in set(dataset.participants["participant_id"])  # never randomized
    assert dataset.participants["hypertension"].isna().sum() == 1


def test_loader_reads_the_called_diary_weeks_of_randomized_participants(trial, dataset):
    weeks = DiaryWeek.objects.filter(participant__trial=trial).select_related(
        "participant", "protocol_week"
    )
    expected = sorted(
        (
            (
                w.participant.participant_id,
                w.protocol_week.phase,
                w.protocol_week.week,
                w.call_date,
                w.reached,
                _num(w.cramps),
                _num(w.duration_min),
                _num(w.severity),
                _num(w.capsules_missed),
            )
            for w in weeks
            if w.reached is not None and w.participant.randomized_on is not None
        ),
        key=lambda r: (r[0], r[1] != "screening", r[2]),
    )
    assert _rows(dataset.diary) == expected
    not_called = weeks.filter(reached__isnull=True, participant__randomized_on__isnull=False)
    assert not_called.exists()  # the fixture has weeks not called yet; they are left out
    assert (~dataset.diary["reached"]).sum() > 0
    assert (dataset.diary["cramps"] == 0).sum() > 0


def test_loader_reads_the_adverse_events(trial, dataset):
    events = AdverseEvent.objects.filter(participant__trial=trial).select_related("participant")
    expected = sorted(
        (
            e.participant.participant_id,
            e.onset_on,
            e.term,
            e.serious,
            e.grade,
            e.relatedness,
            _text(e.outcome),
            e.resolved_on,
        )
        for e in events
    )
    assert len(expected) == 3
    assert _rows(dataset.adverse_events) == expected


def test_loader_hash_equals_the_hash_of_independently_read_rows(trial, dataset):
    arm_of_bottle = _expected_arms(trial)
    people = Participant.objects.filter(trial=trial, randomized_on__isnull=False)
    independent = TrialDataset(
        trial=dataset.trial,
        arms=coerce_frame("arms", list(trial.arms.values("code", "label", "role", "ratio"))),
        sites=coerce_frame(
            "sites", [{"site_code": s.code, "name": s.name} for s in trial.sites.all()]
        ),
        screening=coerce_frame(
            "screening",
            [
                {**row, "site_code": row.pop("site__code")}
                for row in ScreeningRecord.objects.filter(trial=trial).values(
                    "screening_id", "site__code", "screened_on", "sex", "age", "outcome", "reason"
                )
            ],
        ),
        participants=coerce_frame(
            "participants",
            [
                {
                    **row,
                    "site_code": row.pop("site__code"),
                    "screening_id": row.pop("screening__screening_id"),
                    "arm_code": arm_of_bottle[row["bottle_number"]],
                }
                for row in people.values(
                    *COLUMNS["participants"].keys() - {"arm_code"} - {"site_code", "screening_id"},
                    "site__code",
                    "screening__screening_id",
                )
            ],
        ),
        diary=coerce_frame(
            "diary",
            [
                {
                    **row,
                    "participant_id": row.pop("participant__participant_id"),
                    "phase": row.pop("protocol_week__phase"),
                    "week": row.pop("protocol_week__week"),
                }
                for row in DiaryWeek.objects.filter(
                    participant__in=people, reached__isnull=False
                ).values(
                    "participant__participant_id",
                    "protocol_week__phase",
                    "protocol_week__week",
                    "call_date",
                    "reached",
                    "cramps",
                    "duration_min",
                    "severity",
                    "capsules_missed",
                )
            ],
        ),
        adverse_events=coerce_frame(
            "adverse_events",
            [
                {**row, "participant_id": row.pop("participant__participant_id")}
                for row in AdverseEvent.objects.filter(participant__in=people).values(
                    "participant__participant_id",
                    *COLUMNS["adverse_events"].keys() - {"participant_id"},
                )
            ],
        ),
    )
    assert canonical_sha256(dataset) == canonical_sha256(independent)


def test_loader_hash_changes_when_one_stored_value_changes(trial, dataset):
    week = DiaryWeek.objects.filter(participant__trial=trial, cramps__gt=0).first()
    DiaryWeek.objects.filter(pk=week.pk).update(severity=week.severity + Decimal("0.01"))
    assert canonical_sha256(itt_dataset(trial=trial)) != canonical_sha256(dataset)


def test_loader_leaves_arm_missing_for_a_bottle_not_on_the_list(trial):
    ListEntry.objects.filter(bottle_number=2).delete()
    dataset = itt_dataset(trial=trial)
    missing = dataset.participants[dataset.participants["arm_code"].isna()]
    assert list(missing["bottle_number"]) == [2]


def test_loader_query_count_does_not_grow_with_rows(trial):
    with CaptureQueriesContext(connection) as before:
        itt_dataset(trial=trial)
    add_randomized(trial, range(12, 30), np.random.default_rng(5))
    with CaptureQueriesContext(connection) as after:
        grown = itt_dataset(trial=trial)
    assert len(grown.participants) == 30
    assert len(after) == len(before)
