"""Each statistic of the report against an independent computation on the same rows.

The rows are rebuilt here with plain Python (no code from analysis.conventions),
then tested with scipy.stats and statsmodels directly.
"""

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.genmod.cov_struct import Exchangeable

from analysis.report import build_report
from analysis.tables.gee import gee_rate_ratio
from tests.analysis.builders import simulate

EXPERIMENTAL, COMPARATOR = "remedy", "dummy"
OUTCOMES = ("frequency", "duration", "severity")


@pytest.fixture(scope="module")
def dataset():
    return simulate(120, seed=7, intervention_weeks=4, missing=0.2)


def close(value):
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def week_value(row):
    cramps = row.cramps
    if cramps == 0:
        return (0.0, 0.0, 0.0)
    return (float(cramps), float(row.duration_min), float(row.severity))


def observed_rows(dataset, phase):
    rows = {}
    for row in dataset.diary.itertuples():
        if row.phase == phase and row.reached and not math.isnan(row.cramps):
            rows[(row.participant_id, int(row.week))] = week_value(row)
    return rows


def arm_of(dataset):
    people = dataset.participants
    return dict(zip(people["participant_id"], people["arm_code"], strict=True))


def imputed_rows(dataset, imputation):
    """[(pid, arm, week, (f, d, s))] after imputation, written out by hand."""
    arms = arm_of(dataset)
    weeks = dataset.trial["intervention_weeks"]
    observed = observed_rows(dataset, "intervention")
    by_arm_week, by_arm, by_person = defaultdict(list), defaultdict(list), defaultdict(list)
    for (pid, week), values in observed.items():
        by_arm_week[(arms[pid], week)].append(values)
        by_arm[arms[pid]].append(values)
        by_person[pid].append(values)

    def mean(values):
        return tuple(float(np.mean([v[i] for v in values])) for i in range(3))

    rows = []
    for pid, arm in arms.items():
        for week in range(1, weeks + 1):
            if (pid, week) in observed:
                rows.append((pid, arm, week, observed[(pid, week)]))
            elif imputation == "complete_case":
                continue
            elif imputation == "participant_mean" and by_person[pid]:
                rows.append((pid, arm, week, mean(by_person[pid])))
            elif by_arm_week[(arm, week)]:
                rows.append((pid, arm, week, mean(by_arm_week[(arm, week)])))
            else:
                rows.append((pid, arm, week, mean(by_arm[arm])))
    return rows


def frame(rows):
    return pd.DataFrame(
        [(pid, arm, week, *values) for pid, arm, week, values in rows],
        columns=["pid", "arm", "week", *OUTCOMES],
    )


def baselines(dataset):
    observed = observed_rows(dataset, "screening")
    per_person = defaultdict(list)
    for (pid, _week), values in observed.items():
        per_person[pid].append(values)
    return {
        pid: dict(zip(OUTCOMES, np.mean(values, axis=0), strict=True))
        for pid, values in per_person.items()
    }


def assert_t_test(entry, a, b, *, equal_var):
    expected = stats.ttest_ind(a, b, equal_var=equal_var)
    ci = expected.confidence_interval(0.95)
    assert entry["difference"] == close(np.mean(a) - np.mean(b))
    assert entry["p"] == close(expected.pvalue)
    assert entry["ci95"] == [close(ci.low), close(ci.high)]
    assert entry["df"] == close(expected.df)


@pytest.mark.parametrize("imputation", ["arm_week_mean", "participant_mean", "complete_case"])
def test_participant_week_matches_student_t_on_the_imputed_rows(dataset, imputation):
    report = build_report(dataset, view="unblinded", imputation=imputation)
    weeks = frame(imputed_rows(dataset, imputation))
    for outcome in OUTCOMES:
        entry = report["outcomes"]["participant_week"][outcome]
        a = weeks.loc[weeks["arm"] == EXPERIMENTAL, outcome].to_numpy()
        b = weeks.loc[weeks["arm"] == COMPARATOR, outcome].to_numpy()
        assert entry[EXPERIMENTAL] == {
            "n": len(a),
            "mean": close(a.mean()),
            "sd": close(a.std(ddof=1)),
        }
        assert entry[COMPARATOR]["sd"] == close(b.std(ddof=1))
        assert_t_test(entry, a, b, equal_var=True)


@pytest.mark.parametrize("imputation", ["arm_week_mean", "participant_mean", "complete_case"])
def test_participant_level_matches_welch_t_on_participant_means(dataset, imputation):
    report = build_report(dataset, view="unblinded", imputation=imputation)
    means = frame(imputed_rows(dataset, imputation)).groupby(["pid", "arm"])[list(OUTCOMES)].mean()
    means = means.reset_index()
    for outcome in OUTCOMES:
        entry = report["outcomes"]["participant"][outcome]
        a = means.loc[means["arm"] == EXPERIMENTAL, outcome].to_numpy()
        b = means.loc[means["arm"] == COMPARATOR, outcome].to_numpy()
        assert entry[EXPERIMENTAL]["n"] == len(a)
        assert entry[COMPARATOR]["mean"] == close(b.mean())
        assert_t_test(entry, a, b, equal_var=False)
    assert sum(report["consort"]["analysed"].values()) == len(means)


def participant_table(dataset, imputation):
    means = frame(imputed_rows(dataset, imputation)).groupby(["pid", "arm"])[list(OUTCOMES)].mean()
    means = means.reset_index()
    base = baselines(dataset)
    for outcome in OUTCOMES:
        means[f"b_{outcome}"] = [base.get(pid, {}).get(outcome, np.nan) for pid in means["pid"]]
    means["experimental"] = (means["arm"] == EXPERIMENTAL).astype(float)
    return means.dropna()


def test_ancova_matches_statsmodels_ols(dataset):
    report = build_report(dataset, view="unblinded")
    data = participant_table(dataset, "arm_week_mean")
    for outcome in OUTCOMES:
        fit = smf.ols(f"{outcome} ~ experimental + b_{outcome}", data=data).fit()
        entry = report["outcomes"]["ancova"][outcome]
        low, high = fit.conf_int().loc["experimental"]
        assert entry["difference"] == close(fit.params["experimental"])
        assert entry["ci95"] == [close(low), close(high)]
        assert entry["p"] == close(fit.pvalues["experimental"])


def test_change_from_baseline_matches_student_t(dataset):
    report = build_report(dataset, view="unblinded")
    data = participant_table(dataset, "arm_week_mean")
    for outcome in OUTCOMES:
        change = data[outcome] - data[f"b_{outcome}"]
        a = change[data["arm"] == EXPERIMENTAL].to_numpy()
        b = change[data["arm"] == COMPARATOR].to_numpy()
        entry = report["change_from_baseline"][outcome]
        assert entry[EXPERIMENTAL]["mean"] == close(a.mean())
        assert entry[COMPARATOR]["sd"] == close(b.std(ddof=1))
        assert entry["p"] == close(stats.ttest_ind(a, b).pvalue)


def test_baseline_summary_uses_observed_screening_weeks(dataset):
    report = build_report(dataset, view="unblinded")
    base = baselines(dataset)
    arms = arm_of(dataset)
    values = [v["severity"] for pid, v in base.items() if arms[pid] == COMPARATOR]
    entry = report["baseline"]["severity"][COMPARATOR]
    assert entry == {
        "n": len(values),
        "mean": close(np.mean(values)),
        "sd": close(np.std(values, ddof=1)),
    }


def test_weekly_comparisons_match_student_t_per_week(dataset):
    report = build_report(dataset, view="unblinded")
    weeks = frame(imputed_rows(dataset, "arm_week_mean"))
    for outcome in OUTCOMES:
        for entry in report["weekly"][outcome]:
            rows = weeks[weeks["week"] == entry["week"]]
            a = rows.loc[rows["arm"] == EXPERIMENTAL, outcome].to_numpy()
            b = rows.loc[rows["arm"] == COMPARATOR, outcome].to_numpy()
            assert entry[EXPERIMENTAL]["n"] == len(a)
            assert_t_test(entry, a, b, equal_var=True)


def baseline_frequency(dataset):
    """{pid: mean cramps of the observed screening weeks}, written out by hand."""
    weeks = defaultdict(list)
    for (pid, _week), values in observed_rows(dataset, "screening").items():
        weeks[pid].append(values[0])
    return {pid: sum(v) / len(v) for pid, v in weeks.items()}


def observed_counts(dataset):
    """Observed intervention weeks of the participants with a baseline."""
    arms = arm_of(dataset)
    base = baseline_frequency(dataset)
    rows = [
        (pid, week, values[0], float(arms[pid] == EXPERIMENTAL), base[pid])
        for (pid, week), values in observed_rows(dataset, "intervention").items()
        if pid in base
    ]
    return pd.DataFrame(rows, columns=["pid", "week", "cramps", "experimental", "baseline"])


def test_gee_matches_statsmodels_exchangeable_poisson_adjusted_for_baseline(dataset):
    report = build_report(dataset, view="unblinded")
    data = observed_counts(dataset).sort_values(["pid", "week"])
    fit = smf.gee(
        "cramps ~ experimental + baseline",
        groups="pid",
        data=data,
        family=sm.families.Poisson(),
        cov_struct=Exchangeable(),
    ).fit()
    gee = report["gee"]
    low, high = fit.conf_int().loc["experimental"]
    assert gee["correlation"] == "exchangeable"
    assert gee["rate_ratio"] == pytest.approx(math.exp(fit.params["experimental"]), rel=1e-6)
    assert gee["ci95"] == [
        pytest.approx(math.exp(low), rel=1e-6),
        pytest.approx(math.exp(high), rel=1e-6),
    ]
    assert gee["p"] == pytest.approx(fit.pvalues["experimental"], rel=1e-5)
    experimental = data[data["experimental"] == 1]
    assert gee["rate"][EXPERIMENTAL] == close(experimental["cramps"].mean())
    assert gee["participants"][EXPERIMENTAL] == experimental["pid"].nunique()


def test_gee_above_the_limit_uses_cluster_robust_independence(dataset):
    data = observed_counts(dataset)
    fit = smf.glm("cramps ~ experimental + baseline", data=data, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["pid"])[0]}
    )
    observed = data.rename(columns={"pid": "participant_id", "cramps": "frequency"})
    observed["arm"] = np.where(observed["experimental"] == 1, EXPERIMENTAL, COMPARATOR)
    base = pd.DataFrame({"frequency": pd.Series(baseline_frequency(dataset))})
    result = gee_rate_ratio(observed, base, (EXPERIMENTAL, COMPARATOR), exchangeable_limit=10)
    assert result["correlation"] == "independence"
    assert result["rate_ratio"] == pytest.approx(math.exp(fit.params["experimental"]), rel=1e-8)
    assert result["p"] == pytest.approx(fit.pvalues["experimental"], rel=1e-6)


def test_gee_leaves_out_participants_without_a_baseline():
    dataset = simulate(60, seed=11, intervention_weeks=3, missing=0.3)
    report = build_report(dataset, view="unblinded")
    data = observed_counts(dataset)
    with_baseline = set(baseline_frequency(dataset))
    everyone = {pid for (pid, _w) in observed_rows(dataset, "intervention")}
    assert everyone - with_baseline  # some participants have no observed screening week
    counted = sum(report["gee"]["participants"].values())
    assert counted == data["pid"].nunique() == len(everyone & with_baseline)


def test_table1_pvalues_match_chi_square_and_t_test(dataset):
    report = build_report(dataset, view="unblinded", table1_pvalues=True)
    people = dataset.participants
    experimental = people["arm_code"] == EXPERIMENTAL
    table = pd.crosstab(experimental, people["hypertension"].astype(bool))
    chi = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert report["table1"]["hypertension"]["p"] == close(chi.pvalue)
    table = pd.crosstab(experimental, people["sex"])
    chi = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert report["table1"]["female"]["p"] == close(chi.pvalue)
    weights = people["weight_kg"]
    t = stats.ttest_ind(weights[experimental], weights[~experimental])
    assert report["table1"]["weight_kg"]["p"] == close(t.pvalue)


def test_table1_counts_and_means_of_all_randomized(dataset):
    report = build_report(dataset, view="unblinded", imputation="complete_case")
    people = dataset.participants
    comparator = people[people["arm_code"] == COMPARATOR]
    diabetes = int(comparator["diabetes"].sum())
    assert report["table1"]["diabetes"][COMPARATOR] == {
        "n": diabetes,
        "pct": close(100 * diabetes / len(comparator)),
    }
    assert report["table1"]["height_cm"]["total"]["sd"] == close(people["height_cm"].std(ddof=1))
    assert report["table1"]["age"][COMPARATOR]["mean"] == close(comparator["age"].mean())


def test_imputed_counts_are_the_missing_participant_weeks(dataset):
    report = build_report(dataset, view="unblinded")
    observed = observed_rows(dataset, "intervention")
    arms = arm_of(dataset)
    weeks = dataset.trial["intervention_weeks"]
    for arm in (EXPERIMENTAL, COMPARATOR):
        people = [pid for pid, a in arms.items() if a == arm]
        seen = sum(1 for (pid, _w) in observed if arms[pid] == arm)
        assert report["imputed"][arm] == len(people) * weeks - seen
