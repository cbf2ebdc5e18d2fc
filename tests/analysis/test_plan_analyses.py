"""The analysis plan's statistics against independent computations written here: the
negative binomial model (statsmodels with exposure, and the NB2 likelihood maximized
by scipy), Rubin's rules worked by hand, the multiply imputed ANCOVA refitted with
statsmodels, the tipping point found by brute force, the conditional normal
distribution by the Schur complement, multiplicity by hand. Never the engine's own
output as the expected value."""

import math
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats

from analysis.cohort import cohort
from analysis.conventions import baseline, observed_phase, week_values
from analysis.dataset import in_canonical_order
from analysis.imputation import conditional
from analysis.plan import plan_of
from analysis.report import build_report
from analysis.tables.missing_data import fit, impute, profiles, rubin
from tests.analysis.builders import make_dataset, participant, simulate, tiny_trial, week

EXPERIMENTAL, COMPARATOR = "remedy", "dummy"


@pytest.fixture(scope="module")
def dataset():
    return simulate(160, seed=17, intervention_weeks=5, missing=0.12)


@pytest.fixture(scope="module")
def report(dataset):
    return build_report(dataset, view="unblinded")


# -- the count model --------------------------------------------------------------------


def count_rows(dataset) -> pd.DataFrame:
    """Per participant, by hand: cramps over the observed intervention weeks, their number,
    the baseline weekly cramps (mean of observed screening weeks), the arm."""
    arm = dict(
        zip(dataset.participants["participant_id"], dataset.participants["arm_code"], strict=True)
    )
    site = dict(
        zip(dataset.participants["participant_id"], dataset.participants["site_code"], strict=True)
    )
    sex = dict(
        zip(dataset.participants["participant_id"], dataset.participants["sex"], strict=True)
    )
    totals, weeks, screening = defaultdict(float), defaultdict(int), defaultdict(list)
    for row in dataset.diary.itertuples():
        if not row.reached or math.isnan(row.cramps):
            continue
        if row.phase == "intervention":
            totals[row.participant_id] += row.cramps
            weeks[row.participant_id] += 1
        else:
            screening[row.participant_id].append(row.cramps)
    rows = [
        {
            "pid": pid,
            "cramps": totals[pid],
            "weeks": weeks[pid],
            "baseline": sum(screening[pid]) / len(screening[pid]),
            "experimental": float(arm[pid] == EXPERIMENTAL),
            "site": site[pid],
            "sex": sex[pid],
        }
        for pid in sorted(weeks)
        if screening[pid]
    ]
    return pd.DataFrame(rows)


def nb2_by_likelihood(y, design, exposure):
    """The NB2 maximum-likelihood estimate, the log-likelihood written out here."""

    def negative_loglik(theta):
        beta, log_alpha = theta[:-1], theta[-1]
        alpha = math.exp(log_alpha)
        mu = exposure * np.exp(design @ beta)
        r = 1 / alpha
        return -np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )

    start = np.zeros(design.shape[1] + 1)
    start[0] = math.log(y.sum() / exposure.sum())
    fitted = optimize.minimize(negative_loglik, start, method="BFGS", options={"gtol": 1e-9})
    return fitted.x[:-1], math.exp(fitted.x[-1])


def test_negative_binomial_matches_statsmodels_with_exposure(dataset, report):
    rows = count_rows(dataset)
    design = sm.add_constant(rows[["experimental", "baseline"]].to_numpy())
    model = sm.NegativeBinomial(
        rows["cramps"].to_numpy(), design, exposure=rows["weeks"].to_numpy(), loglike_method="nb2"
    )
    fitted = model.fit(disp=0, maxiter=300)
    nb = report["models"]["negative_binomial"]["frequency"]
    coefficient, se = fitted.params[1], fitted.bse[1]
    z = stats.norm.ppf(0.975)
    assert nb["n"] == {
        EXPERIMENTAL: int(rows["experimental"].sum()),
        COMPARATOR: int((1 - rows["experimental"]).sum()),
    }
    assert nb["rate_ratio"] == pytest.approx(math.exp(coefficient), rel=1e-5)
    assert nb["ci95"][0] == pytest.approx(math.exp(coefficient - z * se), rel=1e-5)
    assert nb["ci95"][1] == pytest.approx(math.exp(coefficient + z * se), rel=1e-5)
    assert nb["p"] == pytest.approx(2 * stats.norm.sf(abs(coefficient / se)), rel=1e-4)
    assert nb["alpha"] == pytest.approx(fitted.params[-1], rel=1e-4)


def test_negative_binomial_is_the_nb2_likelihood_maximum(dataset, report):
    rows = count_rows(dataset)
    design = np.column_stack([np.ones(len(rows)), rows["experimental"], rows["baseline"]])
    beta, alpha = nb2_by_likelihood(
        rows["cramps"].to_numpy(), design, rows["weeks"].to_numpy(dtype=float)
    )
    nb = report["models"]["negative_binomial"]["frequency"]
    assert nb["rate_ratio"] == pytest.approx(math.exp(beta[1]), rel=1e-4)
    assert nb["alpha"] == pytest.approx(alpha, rel=1e-3)


def test_marginal_difference_is_the_g_computation_with_a_delta_method_interval(dataset, report):
    rows = count_rows(dataset)
    design = sm.add_constant(rows[["experimental", "baseline"]].to_numpy())
    fitted = sm.NegativeBinomial(
        rows["cramps"].to_numpy(), design, exposure=rows["weeks"].to_numpy(), loglike_method="nb2"
    ).fit(disp=0, maxiter=300)
    beta, covariance = fitted.params[:3], fitted.cov_params()[:3, :3]

    def standardized(b):
        treated, control = design.copy(), design.copy()
        treated[:, 1], control[:, 1] = 1, 0
        return np.mean(np.exp(treated @ b) - np.exp(control @ b))

    # the gradient by central differences, not the engine's formula
    step = 1e-6
    gradient = np.array(
        [
            (standardized(beta + step * e) - standardized(beta - step * e)) / (2 * step)
            for e in np.eye(3)
        ]
    )
    se = math.sqrt(gradient @ covariance @ gradient)
    difference = standardized(beta)
    nb = report["models"]["negative_binomial"]["frequency"]
    assert nb["marginal_difference"] == pytest.approx(difference, rel=1e-5)
    z = stats.norm.ppf(0.975)
    assert nb["marginal_ci95"][0] == pytest.approx(difference - z * se, rel=1e-4)
    assert nb["marginal_ci95"][1] == pytest.approx(difference + z * se, rel=1e-4)


def test_negative_binomial_adjusts_for_the_stratification_factors(dataset):
    stratified = replace(dataset, trial={**dataset.trial, "stratify_by": ["site", "sex"]})
    report = build_report(stratified, view="unblinded", plan_analyses=True)
    rows = count_rows(dataset)
    design = np.column_stack(
        [
            np.ones(len(rows)),
            rows["experimental"],
            rows["baseline"],
            (rows["site"] == "C2").astype(float),
            (rows["sex"] == "M").astype(float),
        ]
    )
    fitted = sm.NegativeBinomial(
        rows["cramps"].to_numpy(), design, exposure=rows["weeks"].to_numpy(), loglike_method="nb2"
    ).fit(disp=0, maxiter=300)
    nb = report["models"]["negative_binomial"]["frequency"]
    assert nb["covariates"][3:] == ["site=C2", "sex=M"]
    assert nb["rate_ratio"] == pytest.approx(math.exp(fitted.params[1]), rel=1e-5)


# -- Rubin's rules, by hand ------------------------------------------------------------------


def test_rubins_rules_on_three_imputations_by_hand():
    estimates, variances, df_complete = [1.0, 1.2, 0.8], [0.04, 0.05, 0.045], 20
    # mean 1.0; within 0.045; between ((0)^2 + 0.2^2 + 0.2^2) / 2 = 0.04
    # total = 0.045 + (1 + 1/3) 0.04 = 0.045 + 0.053333... = 0.0983333...
    total = 0.045 + (4 / 3) * 0.04
    share = (4 / 3) * 0.04 / total  # lambda = 0.542372...
    df_old = 2 / share**2
    df_observed = (21 / 23) * 20 * (1 - share)
    df = 1 / (1 / df_old + 1 / df_observed)
    pooled = rubin(np.array(estimates), np.array(variances), df_complete=df_complete)
    assert pooled["difference"] == pytest.approx(1.0)
    assert pooled["within"] == pytest.approx(0.045)
    assert pooled["between"] == pytest.approx(0.04)
    assert pooled["se"] == pytest.approx(math.sqrt(total))
    assert pooled["df"] == pytest.approx(df)
    half = stats.t.ppf(0.975, df) * math.sqrt(total)
    assert pooled["ci95"] == [pytest.approx(1 - half), pytest.approx(1 + half)]
    assert pooled["p"] == pytest.approx(2 * stats.t.sf(1 / math.sqrt(total), df))
    assert pooled["fraction_missing_information"] == pytest.approx(
        (df + 1) / (df + 3) * share + 2 / (df + 3)
    )
    assert pooled["relative_increase_in_variance"] == pytest.approx((4 / 3) * 0.04 / 0.045)


def test_rubins_rules_without_imputation_variance_use_the_complete_data_df():
    pooled = rubin(np.array([0.5, 0.5]), np.array([0.01, 0.01]), df_complete=30)
    # lambda = 0: df_old infinite, df = (31/33) 30
    assert pooled["df"] == pytest.approx(31 / 33 * 30)
    assert pooled["fraction_missing_information"] == pytest.approx(2 / (31 / 33 * 30 + 3))


# -- the multiply imputed ANCOVA, refitted here ------------------------------------------------


def _imputed_means(dataset, outcome="frequency"):
    """The engine's MAR imputations (the same random numbers as the report's), and the
    participants' data, to be analysed here."""
    dataset = in_canonical_order(dataset)
    groups = cohort(dataset, view="unblinded")
    values = week_values(dataset.diary)
    weeks = int(dataset.trial["intervention_weeks"])
    observed = observed_phase(values, groups.participants, phase="intervention", weeks=weeks)
    base = baseline(observed_phase(values, groups.participants, phase="screening", weeks=2))
    plan = plan_of(dataset.trial)
    rng = np.random.default_rng(plan["seed"])
    data = profiles(groups.participants, observed, base, groups.order, outcome=outcome, weeks=weeks)
    means = impute(data, fit(data, m=plan["imputations"], rng=rng), rng=rng)
    return data, means


def pooled_by_hand(means, data, *, shift=None):
    """OLS of every imputation by statsmodels, pooled by Rubin's rules written out here."""
    design = sm.add_constant(np.column_stack([(data.group == 0).astype(float), data.values[:, 0]]))
    fits = [
        sm.OLS(means[:, j] + (0 if shift is None else shift), design).fit()
        for j in range(means.shape[1])
    ]
    q = np.array([f.params[1] for f in fits])
    u = np.array([f.bse[1] ** 2 for f in fits])
    m, df_complete = len(q), fits[0].df_resid
    between = q.var(ddof=1)
    total = u.mean() + (1 + 1 / m) * between
    share = (1 + 1 / m) * between / total
    df = 1 / (
        share**2 / (m - 1) + 1 / ((df_complete + 1) / (df_complete + 3) * df_complete * (1 - share))
    )
    return q.mean(), math.sqrt(total), df


def test_multiple_imputation_ancova_is_rubins_pooling_of_ols_fits(dataset, report):
    data, means = _imputed_means(dataset)
    estimate, se, df = pooled_by_hand(means, data)
    entry = report["missing_data"]["multiple_imputation"]["frequency"]
    assert (entry["m"], entry["seed"]) == (50, plan_of(dataset.trial)["seed"])
    assert entry["difference"] == pytest.approx(estimate, rel=1e-9)
    assert entry["se"] == pytest.approx(se, rel=1e-9)
    assert entry["df"] == pytest.approx(df, rel=1e-9)
    assert entry["p"] == pytest.approx(2 * stats.t.sf(abs(estimate) / se, df), rel=1e-7)


def test_imputation_keeps_every_observed_week_and_imputes_only_the_missing(dataset):
    data, means = _imputed_means(dataset)
    complete = ~np.isnan(data.values[:, 1:]).any(axis=1)
    observed_mean = np.nanmean(data.values[:, 1:], axis=1)
    # a participant without a missing week has their observed mean in every imputation
    np.testing.assert_allclose(means[complete], observed_mean[complete, None] * np.ones((1, 50)))
    # the others vary between imputations
    assert (means[~complete].std(axis=1) > 0).all()


def test_the_conditional_normal_is_the_schur_complement():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T + np.eye(5)
    mu_own, mu_reference = rng.normal(size=5), rng.normal(size=5)
    mask = np.array([[True, False, True, False, True]])
    transform, shift, covariance = conditional(mu_own[None], mu_reference[None], sigma[None], mask)
    o, m = mask[0], ~mask[0]
    x = rng.normal(size=5)
    x_filled = np.where(o, x, 0.0)
    regression = sigma[np.ix_(m, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])
    expected = mu_reference[m] + regression @ (x[o] - mu_own[o])
    completed = transform[0, 0] @ x_filled + shift[0, 0]
    np.testing.assert_allclose(completed[o], x[o])
    np.testing.assert_allclose(completed[m], expected)
    np.testing.assert_allclose(
        covariance[0, 0][np.ix_(m, m)],
        sigma[np.ix_(m, m)] - regression @ sigma[np.ix_(o, m)],
    )
    assert np.abs(covariance[0, 0][o]).max() == 0


def test_jump_to_reference_moves_the_experimental_arm_towards_the_reference(report):
    mar = report["missing_data"]["multiple_imputation"]["frequency"]
    j2r = report["missing_data"]["jump_to_reference"]["frequency"]
    assert (j2r["imputed_group"], j2r["reference_group"]) == (EXPERIMENTAL, COMPARATOR)
    # the experimental arm has fewer cramps: its missing weeks imputed as the comparator's
    # pull the difference towards zero
    assert mar["difference"] < j2r["difference"] < 0


# -- the tipping point, by brute force ---------------------------------------------------------


def test_tipping_point_by_brute_force_on_a_small_trial():
    small = simulate(40, seed=8, intervention_weeks=3, missing=0.25, effect=0.5)
    deltas = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0]
    small = replace(
        small,
        trial={**small.trial, "analysis_plan": {"tipping_point_deltas": deltas, "imputations": 20}},
    )
    report = build_report(small, view="unblinded")
    data, means = _imputed_means(small)
    missing = np.isnan(data.values[:, 1:]).sum(axis=1)
    found, ps = None, []
    for delta in deltas:
        # every imputed week of the experimental arm gets delta more cramps
        shift = np.where(data.group == 0, delta * missing / data.weeks, 0.0)
        estimate, se, df = pooled_by_hand(means, data, shift=shift)
        p = 2 * stats.t.sf(abs(estimate) / se, df)
        ps.append(p)
        if found is None and p >= 0.05:
            found = delta
    tipping = report["missing_data"]["tipping_point"]["frequency"]
    assert tipping["deltas"] == deltas
    assert tipping["p"] == [pytest.approx(p, rel=1e-7, abs=1e-300) for p in ps]
    assert found is not None
    assert tipping["tipping_delta"] == found


# -- supportive analyses and multiplicity, by hand ---------------------------------------------


def test_weeks_with_cramps_are_participant_means_of_those_weeks(dataset, report):
    arm = dict(
        zip(dataset.participants["participant_id"], dataset.participants["arm_code"], strict=True)
    )
    per_person = defaultdict(list)
    for row in dataset.diary.itertuples():
        if row.phase == "intervention" and row.reached and row.cramps > 0:
            per_person[row.participant_id].append(row.severity)
    a = [np.mean(v) for pid, v in per_person.items() if arm[pid] == EXPERIMENTAL]
    b = [np.mean(v) for pid, v in per_person.items() if arm[pid] == COMPARATOR]
    entry = report["supportive"]["weeks_with_cramps"]["severity"]
    welch = stats.ttest_ind(a, b, equal_var=False)
    assert entry[EXPERIMENTAL]["n"] == len(a)
    assert entry["difference"] == pytest.approx(np.mean(a) - np.mean(b), rel=1e-9)
    assert entry["p"] == pytest.approx(welch.pvalue, rel=1e-9)


def test_adherence_and_the_per_protocol_population_by_hand(dataset, report):
    arm = dict(
        zip(dataset.participants["participant_id"], dataset.participants["arm_code"], strict=True)
    )
    missed = defaultdict(list)
    for row in dataset.diary.itertuples():
        if row.phase == "intervention" and row.reached and not math.isnan(row.capsules_missed):
            missed[row.participant_id].append(row.capsules_missed)
    taken = {pid: 1 - sum(v) / (7 * len(v)) for pid, v in missed.items()}
    adherent = {pid for pid, share in taken.items() if share >= 0.8}
    adherence = report["supportive"]["adherence"]
    for code in (EXPERIMENTAL, COMPARATOR):
        group = [pid for pid in missed if arm[pid] == code]
        assert adherence["adherent"][code]["n"] == sum(pid in adherent for pid in group)
        values = [np.mean(missed[pid]) for pid in group]
        assert adherence["missed_per_week"][code]["mean"] == pytest.approx(np.mean(values))
    rows = count_rows(dataset)
    rows = rows[rows["pid"].isin(adherent)]
    per_protocol = report["per_protocol"]["frequency"]
    assert sum(per_protocol["n"].values()) == len(rows)
    fitted = sm.NegativeBinomial(
        rows["cramps"].to_numpy(),
        sm.add_constant(rows[["experimental", "baseline"]].to_numpy()),
        exposure=rows["weeks"].to_numpy(),
        loglike_method="nb2",
    ).fit(disp=0, maxiter=300)
    assert per_protocol["rate_ratio"] == pytest.approx(math.exp(fitted.params[1]), rel=1e-5)


def test_multiplicity_holm_gated_by_the_primary_by_hand(report):
    primary = report["models"]["negative_binomial"]["frequency"]["p"]
    duration = report["missing_data"]["multiple_imputation"]["duration"]["p"]
    severity = report["missing_data"]["multiple_imputation"]["severity"]["p"]
    low, high = sorted([duration, severity])
    holm = {low: 2 * low, high: max(2 * low, high)}
    secondary = {e["outcome"]: e for e in report["multiplicity"]["secondary"]}
    assert report["multiplicity"]["primary"]["p"] == primary
    for outcome, p in (("duration", duration), ("severity", severity)):
        expected = min(1.0, max(primary, holm[p]))
        assert secondary[outcome]["p_adjusted"] == pytest.approx(expected)
        assert secondary[outcome]["significant"] == (expected < 0.05)


def test_multiplicity_in_a_fixed_sequence(dataset):
    plan = {"multiplicity": {"method": "hierarchical", "secondary": ["severity", "duration"]}}
    report = build_report(
        replace(dataset, trial={**dataset.trial, "analysis_plan": plan}), view="unblinded"
    )
    primary = report["models"]["negative_binomial"]["frequency"]["p"]
    severity = report["missing_data"]["multiple_imputation"]["severity"]["p"]
    duration = report["missing_data"]["multiple_imputation"]["duration"]["p"]
    adjusted = [e["p_adjusted"] for e in report["multiplicity"]["secondary"]]
    assert adjusted == [
        pytest.approx(max(primary, severity)),
        pytest.approx(max(primary, severity, duration)),
    ]


# -- identical values in both arms: every model says nothing (issue: rounding noise) ---------


def identical_trial():
    """Every participant of both arms: the same cramps, duration, severity and capsules in
    every screening and intervention week."""
    people = [participant(f"P{n}", EXPERIMENTAL if n % 2 else COMPARATOR) for n in range(1, 13)]
    diary = [
        week(p["participant_id"], phase, w, 3, 1.7, 4.3)
        for p in people
        for phase, weeks in (("screening", 2), ("intervention", 3))
        for w in range(1, weeks + 1)
    ]
    diary = [
        {**row, "capsules_missed": 1 if row["phase"] == "intervention" else None} for row in diary
    ]
    # one missing week in each arm, so that the imputations have something to fill
    diary = [
        r
        for r in diary
        if not (
            r["participant_id"] in ("P1", "P2") and r["week"] == 3 and r["phase"] == "intervention"
        )
    ]
    return make_dataset(people, diary)


def test_every_model_is_null_when_both_arms_have_identical_values():
    report = build_report(identical_trial(), view="unblinded")
    checks = {
        "participant-week t": report["outcomes"]["participant_week"]["frequency"]["p"],
        "participant Welch": report["outcomes"]["participant"]["severity"]["p"],
        "ANCOVA": report["outcomes"]["ancova"]["duration"]["p"],
        "change from baseline": report["change_from_baseline"]["frequency"]["p"],
        "weekly": report["weekly"]["frequency"][0]["p"],
        "GEE": report["gee"]["p"],
        "GEE rate ratio CI": report["gee"]["ci95"][0],
        "negative binomial": report["models"]["negative_binomial"]["frequency"]["p"],
        "NB rate ratio": report["models"]["negative_binomial"]["frequency"]["rate_ratio"],
        "NB marginal": report["models"]["negative_binomial"]["frequency"]["marginal_difference"],
        "multiple imputation": report["missing_data"]["multiple_imputation"]["frequency"]["p"],
        "MI CI": report["missing_data"]["multiple_imputation"]["severity"]["ci95"][0],
        "jump to reference": report["missing_data"]["jump_to_reference"]["frequency"]["p"],
        "tipping point at 0": report["missing_data"]["tipping_point"]["frequency"]["p"][0],
        "tipping delta": report["missing_data"]["tipping_point"]["frequency"]["tipping_delta"],
        "weeks with cramps": report["supportive"]["weeks_with_cramps"]["severity"]["p"],
        "adherence": report["supportive"]["adherence"]["missed_per_week"]["p"],
        "per protocol": report["per_protocol"]["frequency"]["p"],
        "adjusted p": report["multiplicity"]["secondary"][0]["p_adjusted"],
    }
    assert {name: value for name, value in checks.items() if value is not None} == {}


def test_the_tiny_trial_report_is_built_with_every_plan_analysis():
    report = build_report(tiny_trial(), view="unblinded")
    assert set(report["missing_data"]) == {
        "multiple_imputation",
        "jump_to_reference",
        "tipping_point",
    }
    assert report["estimands"][0]["analysis"] == "primary"
