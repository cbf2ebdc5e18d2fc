"""Reports on data too thin for some statistics: those are null, nothing fails."""

from analysis.render import RENDERERS
from analysis.report import build_report
from tests.analysis.builders import GROUP_CODES, make_dataset, participant, week


def render_all(report):
    return {name: render(report) for name, render in RENDERERS.items()}


def test_a_trial_without_participants_reports_null_statistics():
    report = build_report(make_dataset([], []), view="coded", group_codes=GROUP_CODES)
    entry = report["outcomes"]["participant_week"]["frequency"]
    assert entry["A"] == {"n": 0, "mean": None, "sd": None}
    assert entry["difference"] is None
    assert entry["ci95"] == [None, None]
    assert report["gee"]["rate_ratio"] is None
    assert report["consort"]["randomized"] == 0
    assert all(render_all(report).values())


def test_an_arm_without_observed_weeks_has_nothing_to_impute_from():
    # P2 (dummy) has no diary: the dummy arm has no observed value to fill with
    people = [participant("P1", "remedy"), participant("P2", "dummy")]
    diary = [week("P1", "intervention", 1, 2, 1.0, 3.0)]
    report = build_report(make_dataset(people, diary), view="unblinded")
    entry = report["outcomes"]["participant_week"]["frequency"]
    # P1 weeks 2 and 3 filled with the remedy's overall observed mean, 2
    assert entry["remedy"] == {"n": 3, "mean": 2.0, "sd": 0.0}
    assert entry["dummy"]["n"] == 0
    assert entry["difference"] is None
    assert report["imputed"] == {"remedy": 2, "dummy": 0}
    assert report["consort"]["analysed"] == {"remedy": 1, "dummy": 0}
    assert all(render_all(report).values())


def test_complete_case_leaves_out_participants_without_an_observed_week():
    people = [participant(f"P{n}", arm) for n, arm in enumerate(["remedy"] * 2 + ["dummy"] * 2)]
    diary = [
        week("P0", "intervention", 1, 2, 1.0, 3.0),
        week("P1", "intervention", 1, None),  # not reached: no observed week
        week("P2", "intervention", 2, 4, 2.0, 5.0),
        week("P3", "intervention", 3, 1, 1.0, 2.0),
    ]
    report = build_report(make_dataset(people, diary), view="unblinded", imputation="complete_case")
    assert report["consort"]["analysed"] == {"remedy": 1, "dummy": 2}
    assert report["outcomes"]["participant"]["frequency"]["remedy"]["n"] == 1
