"""The tiny trial of builders.tiny_trial(), every figure worked by hand.

Week values (cramps, duration, severity; "-" = missing):

            screening 1   screening 2   week 1        week 2        week 3
  P1 rem    2, 1.0, 4     4, 2.0, 6     1, 1.0, 2     2, 0.5, 3     0 (no cramp -> 0, 0)
  P2 rem    3, 1.0, 5     - (missed)    2, 1.5, 4     - (missed)    1, 1.0, 2
  P3 dum    2, 2.0, 3     2, 1.0, 5     3, 2.0, 5     4, 1.0, 6     2, 1.5, 4
  P4 dum    4, 1.0, 6     2, 3.0, 4     5, 1.0, 7     2, 2.0, 3     - (no row)

arm_week_mean fills P2 week 2 with the remedy's observed week-2 mean (P1 alone:
2, 0.5, 3) and P4 week 3 with the dummy's observed week-3 mean (P3: 2, 1.5, 4).

Frequency after imputation: remedy 1, 2, 0 | 2, 2*, 1; dummy 3, 4, 2 | 5, 2, 2*.
"""

import math

import pytest
from scipy import stats

from analysis.report import build_report
from tests.analysis.builders import GROUP_CODES, tiny_trial

T975 = {1: stats.t.ppf(0.975, 1), 2: stats.t.ppf(0.975, 2), 10: stats.t.ppf(0.975, 10)}


@pytest.fixture(scope="module")
def report():
    return build_report(tiny_trial(), view="unblinded")


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def test_tiny_trial_consort_counts(report):
    # 6 screening rows, 2 not enrolled (1 not meeting inclusion, 1 declined);
    # P2 withdrew on day 10 < 21 (randomized + 7 x 3): not completed; P4 withdrew on
    # day 21 exactly: completed.
    consort = report["consort"]
    assert (consort["screened"], consort["excluded"], consort["randomized"]) == (6, 2, 4)
    assert consort["not_meeting_inclusion"] == 1
    assert consort["meeting_exclusion"] == 0
    assert consort["declined"] == 1
    assert consort["allocated"] == {"remedy": 2, "dummy": 2}
    assert consort["completed"] == {"remedy": 1, "dummy": 2}
    assert consort["analysed"] == {"remedy": 2, "dummy": 2}
    assert consort["excluded_reasons"]["not_meeting_inclusion"] == {"one cramp in screening": 1}


def test_tiny_trial_arms_experimental_first(report):
    assert report["arms"] == [
        {"code": "remedy", "label": "Remedy 10 mg", "role": "experimental", "n": 2},
        {"code": "dummy", "label": "Dummy capsule", "role": "comparator", "n": 2},
    ]


def test_tiny_trial_table1(report):
    t1 = report["table1"]
    # female: P1, P3, P4 -> total 3/4 = 75%; remedy 1/2 = 50%; dummy 2/2 = 100%
    assert t1["female"]["total"] == {"n": 3, "pct": 75.0}
    assert t1["female"]["remedy"] == {"n": 1, "pct": 50.0}
    assert t1["female"]["dummy"] == {"n": 2, "pct": 100.0}
    assert t1["male"]["dummy"] == {"n": 0, "pct": 0.0}
    # hypertension: P1, P3, P4; diabetes: P2, P3
    assert t1["hypertension"]["total"]["n"] == 3
    assert t1["diabetes"]["remedy"] == {"n": 1, "pct": 50.0}
    # age 70, 80, 66, 72: mean 72; squares 4 + 64 + 36 + 0 = 104, var 104/3
    assert t1["age"]["total"]["mean"] == approx(72.0)
    assert t1["age"]["total"]["sd"] == approx(math.sqrt(104 / 3))
    # remedy 70, 80: mean 75, var (25 + 25)/1 = 50; dummy 66, 72: mean 69, var 18
    assert t1["age"]["remedy"]["sd"] == approx(math.sqrt(50))
    assert t1["age"]["dummy"]["mean"] == approx(69.0)
    # creatinine 0.80, 1.00, 0.90, missing: mean 0.9, var (0.01 + 0.01 + 0)/2 = 0.01
    assert t1["creatinine_mg_dl"]["total"]["n"] == 3
    assert t1["creatinine_mg_dl"]["total"]["sd"] == approx(0.1)
    # the dummy arm has one creatinine value: SD undefined
    assert t1["creatinine_mg_dl"]["dummy"] == {"n": 1, "mean": approx(0.9), "sd": None}
    assert "p" not in t1["age"]


def test_tiny_trial_baseline(report):
    # frequency: P1 (2 + 4)/2 = 3, P2 3 (one observed week), P3 (2 + 2)/2 = 2, P4 (4 + 2)/2 = 3
    b = report["baseline"]["frequency"]
    assert b["remedy"] == {"n": 2, "mean": approx(3.0), "sd": approx(0.0)}
    assert b["dummy"]["mean"] == approx(2.5)
    assert b["dummy"]["sd"] == approx(math.sqrt(0.5))
    # duration: P1 1.5, P2 1.0 -> mean 1.25; P3 1.5, P4 2.0 -> 1.75
    assert report["baseline"]["duration"]["remedy"]["mean"] == approx(1.25)
    assert report["baseline"]["duration"]["dummy"]["mean"] == approx(1.75)
    # severity: P1 5, P2 5; P3 4, P4 5
    assert report["baseline"]["severity"]["dummy"]["mean"] == approx(4.5)


def test_tiny_trial_imputed_counts(report):
    assert report["imputed"] == {"remedy": 1, "dummy": 1}


def test_tiny_trial_participant_week_frequency(report):
    pw = report["outcomes"]["participant_week"]["frequency"]
    # remedy 1, 2, 0, 2, 2, 1: mean 8/6 = 4/3; squared deviations 1/9 + 4/9 + 16/9 + 4/9
    # + 4/9 + 1/9 = 30/9, var = (30/9)/5 = 2/3
    assert pw["remedy"] == {"n": 6, "mean": approx(4 / 3), "sd": approx(math.sqrt(2 / 3))}
    # dummy 3, 4, 2, 5, 2, 2: mean 3; squares 0 + 1 + 1 + 4 + 1 + 1 = 8, var 8/5
    assert pw["dummy"] == {"n": 6, "mean": approx(3.0), "sd": approx(math.sqrt(1.6))}
    # difference 4/3 - 3 = -5/3; pooled var (30/9 + 8)/10 = 34/30;
    # se = sqrt(34/30 x (1/6 + 1/6)) = sqrt(34/90); df = 10
    se = math.sqrt(34 / 90)
    assert pw["difference"] == approx(-5 / 3)
    assert pw["df"] == 10
    assert pw["ci95"] == [approx(-5 / 3 - T975[10] * se), approx(-5 / 3 + T975[10] * se)]
    assert pw["p"] == approx(2 * stats.t.sf(5 / 3 / se, 10))


def test_tiny_trial_participant_week_duration_and_severity(report):
    pw = report["outcomes"]["participant_week"]
    # duration remedy 1.0, 0.5, 0 | 1.5, 0.5*, 1.0 -> 4.5/6 = 0.75;
    # dummy 2.0, 1.0, 1.5 | 1.0, 2.0, 1.5* -> 9/6 = 1.5
    assert pw["duration"]["remedy"]["mean"] == approx(0.75)
    assert pw["duration"]["dummy"]["mean"] == approx(1.5)
    assert pw["duration"]["difference"] == approx(-0.75)
    # severity remedy 2, 3, 0 | 4, 3*, 2 -> 14/6; dummy 5, 6, 4 | 7, 3, 4* -> 29/6
    assert pw["severity"]["remedy"]["mean"] == approx(14 / 6)
    assert pw["severity"]["difference"] == approx(-15 / 6)


def test_tiny_trial_participant_level_welch(report):
    p = report["outcomes"]["participant"]["frequency"]
    # participant means: P1 (1+2+0)/3 = 1, P2 (2+2+1)/3 = 5/3, P3 (3+4+2)/3 = 3, P4 (5+2+2)/3 = 3
    # remedy mean 4/3, var (1/9 + 1/9)/1 = 2/9; dummy mean 3, var 0
    assert p["remedy"] == {"n": 2, "mean": approx(4 / 3), "sd": approx(math.sqrt(2 / 9))}
    assert p["dummy"] == {"n": 2, "mean": approx(3.0), "sd": approx(0.0)}
    # Welch: se = sqrt((2/9)/2 + 0) = 1/3; df = (1/9)^2 / ((1/9)^2 / 1) = 1; t = -5
    assert p["df"] == approx(1.0)
    assert p["t"] == approx(-5.0)
    assert p["ci95"] == [approx(-5 / 3 - T975[1] / 3), approx(-5 / 3 + T975[1] / 3)]
    assert p["p"] == approx(2 * stats.t.sf(5, 1))


def test_tiny_trial_ancova(report):
    a = report["outcomes"]["ancova"]["frequency"]
    # y = a + d x remedy + c x baseline on (1, 1, 3), (5/3, 1, 3), (3, 0, 2), (3, 0, 3):
    # the dummy line passes through both dummy points (c = 0, a = 3) and the remedy fit is
    # the remedy mean, so d = 4/3 - 3 = -5/3. Residuals -1/3, 1/3, 0, 0: RSS 2/9 on 1 df.
    # d = (y1 + y2)/2 - y4, so var(d) = sigma^2 (1/4 + 1/4 + 1) = 1.5 x 2/9 = 1/3.
    se = math.sqrt(1 / 3)
    assert a["difference"] == pytest.approx(-5 / 3, abs=1e-9)
    assert a["df"] == 1
    low, high = a["ci95"]
    assert low == pytest.approx(-5 / 3 - T975[1] * se, abs=1e-9)
    assert high == pytest.approx(-5 / 3 + T975[1] * se, abs=1e-9)
    assert a["p"] == pytest.approx(2 * stats.t.sf(5 / 3 / se, 1), abs=1e-9)


def test_tiny_trial_change_from_baseline(report):
    c = report["change_from_baseline"]["frequency"]
    # P1 1 - 3 = -2, P2 5/3 - 3 = -4/3 -> mean -5/3, var 2/9;
    # P3 3 - 2 = 1, P4 3 - 3 = 0 -> mean 1/2, var 1/2
    assert c["remedy"]["mean"] == approx(-5 / 3)
    assert c["remedy"]["sd"] == approx(math.sqrt(2 / 9))
    assert c["dummy"] == {"n": 2, "mean": approx(0.5), "sd": approx(math.sqrt(0.5))}
    # pooled var (2/9 + 1/2)/2 = 13/36, se = sqrt(13/36 x 1) ; t = (-13/6)/(sqrt(13)/6) = -sqrt(13)
    assert c["t"] == approx(-math.sqrt(13))
    assert c["p"] == approx(2 * stats.t.sf(math.sqrt(13), 2))


def test_tiny_trial_weekly(report):
    weeks = report["weekly"]["frequency"]
    assert [w["week"] for w in weeks] == [1, 2, 3]
    # week 1: remedy 1, 2 (mean 1.5, var 0.5); dummy 3, 5 (mean 4, var 2);
    # pooled var (0.5 + 2)/2 = 1.25, se = sqrt(1.25 x 1)
    w1 = weeks[0]
    assert w1["remedy"] == {"n": 2, "mean": approx(1.5), "sd": approx(math.sqrt(0.5))}
    assert w1["difference"] == approx(-2.5)
    assert w1["ci95"][0] == approx(-2.5 - T975[2] * math.sqrt(1.25))
    # week 2: remedy 2, 2* (var 0); dummy 4, 2 (var 2); pooled var 1, se 1, t = -1
    assert weeks[1]["difference"] == approx(-1.0)
    assert weeks[1]["t"] == approx(-1.0)
    # week 3: remedy 0, 1; dummy 2, 2*: difference -1.5, pooled var 0.25, se 0.5, t = -3
    assert weeks[2]["t"] == approx(-3.0)
    assert weeks[2]["dummy"]["n"] == 2


def test_tiny_trial_adverse_events(report):
    ae = report["adverse_events"]
    # P1: headache (unrelated), rash (possible); P3: fall (serious, unlikely)
    assert ae["any"] == {"remedy": {"n": 1, "pct": 50.0}, "dummy": {"n": 1, "pct": 50.0}}
    assert ae["serious"]["remedy"]["n"] == 0
    assert ae["serious"]["dummy"]["n"] == 1
    assert ae["related"] == {"remedy": {"n": 1, "pct": 50.0}, "dummy": {"n": 0, "pct": 0.0}}
    assert ae["events"] == {"remedy": 2, "dummy": 1}


def test_tiny_trial_figure2_uses_observed_values(report):
    points = report["figure2"]["points"]
    assert [(p["phase"], p["week"]) for p in points] == [
        ("screening", 1),
        ("screening", 2),
        ("intervention", 1),
        ("intervention", 2),
        ("intervention", 3),
    ]
    # screening week 2: P2 missed, so the remedy has P1's 4 alone (SD undefined)
    assert points[1]["remedy"] == {"n": 1, "mean": 4.0, "sd": None}
    # intervention week 2: only P1's observed 2 (the imputed value is not plotted)
    assert points[3]["remedy"] == {"n": 1, "mean": 2.0, "sd": None}
    # intervention week 3: P3's 2 alone for the dummy (P4 has no row)
    assert points[4]["dummy"]["n"] == 1


def test_tiny_trial_blinded_differences_are_a_minus_b():
    # A is the dummy here: A minus B = 3 - 4/3 = +5/3
    report = build_report(tiny_trial(), view="coded", group_codes=GROUP_CODES)
    pw = report["outcomes"]["participant_week"]["frequency"]
    assert [a["code"] for a in report["arms"]] == ["A", "B"]
    assert pw["A"]["mean"] == approx(3.0)
    assert pw["difference"] == approx(5 / 3)


def test_tiny_trial_participant_mean_imputation():
    # P2 week 2 <- P2's own observed mean (2 + 1)/2 = 1.5; P4 week 3 <- (5 + 2)/2 = 3.5
    report = build_report(tiny_trial(), view="unblinded", imputation="participant_mean")
    pw = report["outcomes"]["participant_week"]["frequency"]
    assert pw["remedy"]["mean"] == approx((1 + 2 + 0 + 2 + 1.5 + 1) / 6)
    assert pw["dummy"]["mean"] == approx((3 + 4 + 2 + 5 + 2 + 3.5) / 6)
    assert report["imputed"] == {"remedy": 1, "dummy": 1}


def test_tiny_trial_complete_case():
    # observed weeks only: remedy 1, 2, 0, 2, 1 (n 5, mean 6/5); dummy 3, 4, 2, 5, 2 (16/5)
    report = build_report(tiny_trial(), view="unblinded", imputation="complete_case")
    pw = report["outcomes"]["participant_week"]["frequency"]
    assert (pw["remedy"]["n"], pw["dummy"]["n"]) == (5, 5)
    assert pw["difference"] == approx(6 / 5 - 16 / 5)
    # participant means: P2 (2 + 1)/2 = 1.5, P4 (5 + 2)/2 = 3.5
    p = report["outcomes"]["participant"]["frequency"]
    assert p["remedy"]["mean"] == approx((1 + 1.5) / 2)
    assert p["dummy"]["mean"] == approx((3 + 3.5) / 2)
    assert report["imputed"] == {"remedy": 0, "dummy": 0}
