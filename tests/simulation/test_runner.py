"""The reference plan entered through the services (`reference_run` in conftest.py):
what the database holds afterwards is what the plan says, and it got there the way
staff would have entered it (eligibility decided at screening, the list imported
by the statistician and frozen at the first allocation, bottles given in order,
audited randomizations, not-reached calls counted as attempts)."""

import csv
import hashlib
import io

import pytest

from diary.simulation import plan_reference_trial

pytestmark = pytest.mark.django_db  # the test database, where reference_run enters the trial


@pytest.fixture(scope="module")
def plan():
    return plan_reference_trial(seed=2024)


def test_every_screening_record_has_an_eligibility_decision(reference_run, plan):
    assert reference_run.facts["screening_eligible_decided"] == len(plan.screening) == 310


def test_stored_screening_reasons_come_from_the_eligibility_rules(reference_run, plan):
    reasons = reference_run.facts["screening_reasons"]
    for row in plan.screening.itertuples():
        stored = reasons[row.screening_id]
        if row.outcome == "meeting_exclusion":
            assert stored.startswith("meets exclusion: ")
        elif row.outcome == "not_meeting_inclusion":
            expected = "younger than 65" if row.reason.startswith("Younger") else "does not meet"
            assert stored.startswith(expected), (row.screening_id, stored)
        elif row.outcome == "declined":
            assert stored == row.reason
        else:
            assert stored == ""


def test_randomization_list_is_the_plans_imported_with_five_spares_per_arm(reference_run, plan):
    facts = reference_run.facts
    assert facts["list_source"] == "imported"
    assert facts["list_frozen"]
    bottles = [(b, arm) for b, arm, spare in facts["list"] if not spare]
    expected = list(zip(plan.allocation["bottle_number"], plan.allocation["arm_code"], strict=True))
    assert bottles == [(int(b), a) for b, a in expected]
    spares = [(b, arm) for b, arm, spare in facts["list"] if spare]
    assert [b for b, _ in spares] == list(range(200, 210))
    assert sorted(arm for _, arm in spares) == ["placebo"] * 5 + ["vitamin_k2"] * 5


def test_list_fingerprint_is_the_sha256_of_its_canonical_csv(reference_run):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["bottle_number", "arm_code", "block", "stratum", "is_spare"])
    for bottle, arm, spare in reference_run.facts["list"]:
        writer.writerow([bottle, arm, "", "", int(spare)])
    expected = hashlib.sha256(out.getvalue().encode()).hexdigest()
    assert reference_run.facts["list_sha256"] == expected


def test_kth_participant_randomized_gets_bottle_k_with_an_audited_allocation(reference_run, plan):
    expected = {
        row.participant_id: int(row.bottle_number) for row in plan.participants.itertuples()
    }
    assert reference_run.facts["allocations"] == expected
    assert reference_run.facts["randomization_history"] == 199


def test_not_reached_calls_are_one_attempt_each_on_the_plans_weeks(reference_run, plan):
    missed = plan.diary[~plan.diary["reached"].astype(bool)]
    expected = sorted((r.participant_id, r.phase, int(r.week), 1) for r in missed.itertuples())
    assert reference_run.facts["not_reached"] == expected
    assert len(expected) > 20


def test_every_planned_call_is_recorded_and_none_after_a_withdrawal(reference_run, plan):
    assert reference_run.facts["weeks_called"] == len(plan.diary)
    withdrawn = plan.participants.loc[plan.participants["withdrawn_on"].notna(), "participant_id"]
    rows = plan.diary[plan.diary["phase"].eq("intervention")]
    called = set(zip(rows["participant_id"], rows["week"].astype(int), strict=True))
    expected = sorted((p, w) for p in withdrawn for w in range(1, 9) if (p, w) not in called)
    assert reference_run.facts["open_weeks_of_withdrawn"] == expected
    assert expected, "the plan's withdrawals leave weeks without a call"
