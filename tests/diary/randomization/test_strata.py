from types import SimpleNamespace

from diary.randomization.strata import check_factors, strata_of, stratum_of


def test_strata_are_every_combination_of_the_factors(trial):
    assert strata_of(trial, []) == [""]
    assert strata_of(trial, ["site"]) == ["C1", "C2"]
    assert strata_of(trial, ["site", "sex"]) == ["C1/F", "C1/M", "C2/F", "C2/M"]
    assert strata_of(trial, ["diabetes"]) == ["yes", "no"]


def test_participant_stratum_and_missing_factors():
    participant = SimpleNamespace(site=SimpleNamespace(code="C2"), sex="M", hypertension=None)
    assert stratum_of(participant, ["site", "sex"]) == ("C2/M", [])
    assert stratum_of(participant, ["site", "hypertension"]) == ("C2/", ["hypertension"])


def test_unknown_or_repeated_factor_is_refused():
    assert check_factors(["site", "site"]) == ["A stratification factor is listed twice."]
    assert check_factors(["weight"])[0].startswith("Unknown stratification factor: weight")
