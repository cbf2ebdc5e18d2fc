"""manage.py simulate_trial: the null-effect and scale presets, and its refusals.
(The reference preset is run once per session by tests/simulation/conftest.py.)"""

import io

import pytest
from django.core.management import CommandError, call_command

from analysis.loader import itt_dataset
from analysis.report import build_report
from diary.models import DiaryWeek, Participant, RandomizationList, ScreeningRecord
from diary.selectors.trial import current_trial
from diary.simulation import plan_null_trial, plan_scale_trial
from tests.factories import enrol


@pytest.mark.django_db
def test_null_trial_report_shows_no_difference_between_the_arms():
    out = io.StringIO()
    call_command("simulate_trial", preset="null", stdout=out)
    assert "filled through the services" in out.getvalue()
    plan = plan_null_trial(seed=0, participants=199)
    report = build_report(itt_dataset(trial=current_trial()), view="unblinded")
    allocated = plan.participants["arm_code"].value_counts()
    assert report["consort"]["allocated"] == {
        "vitamin_k2": allocated["vitamin_k2"],
        "placebo": allocated["placebo"],
    }
    primary = report["outcomes"]["participant"]["frequency"]
    assert abs(primary["difference"]) < 0.3
    for outcome, entry in report["outcomes"]["participant"].items():
        low, high = entry["ci95"]
        assert low < 0 < high, (outcome, entry["difference"], entry["ci95"])
        assert entry["p"] > 0.05
    low, high = report["outcomes"]["ancova"]["frequency"]["ci95"]
    assert low < 0 < high
    low, high = report["outcomes"]["participant_week"]["frequency"]["ci95"]
    assert low < 0 < high


@pytest.mark.django_db
def test_scale_preset_creates_the_number_of_participants_asked_for():
    out = io.StringIO()
    call_command("simulate_trial", preset="scale", participants=400, seed=3, stdout=out)
    plan = plan_scale_trial(seed=3, participants=400)
    assert Participant.objects.filter(randomized_on__isnull=False).count() == 400
    assert ScreeningRecord.objects.count() == len(plan.screening)
    assert DiaryWeek.objects.filter(reached__isnull=False).count() == len(plan.diary)
    assert RandomizationList.objects.get().entries.count() == 400
    # the bulk route: the package import keeps the screening outcomes as logged
    assert not ScreeningRecord.objects.filter(eligible__isnull=False).exists()
    assert "package import" in out.getvalue()


@pytest.mark.django_db
def test_simulate_refuses_a_database_whose_trial_holds_data(trial, site_c1):
    enrol(trial, site_c1)
    with pytest.raises(CommandError, match="already holds data of trial VITK2-NLC"):
        call_command("simulate_trial", preset="null", participants=10, stdout=io.StringIO())
    assert Participant.objects.count() == 1


@pytest.mark.django_db
def test_scale_preset_refuses_a_database_whose_trial_holds_data(trial, site_c1):
    enrol(trial, site_c1)
    with pytest.raises(CommandError, match="already holds data"):
        call_command("simulate_trial", preset="scale", participants=10, stdout=io.StringIO())


@pytest.mark.django_db
def test_simulate_refuses_another_protocol():
    call_command("setup_trial", preset="magnesium-3site", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not the protocol"):
        call_command("simulate_trial", preset="null", participants=10, stdout=io.StringIO())


def test_reference_preset_has_its_own_size():
    with pytest.raises(CommandError, match="its own size"):
        call_command("simulate_trial", preset="vitk2-nlc-2024", participants=50)
