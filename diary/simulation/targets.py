"""Where to steer each arm's Table 2 statistics: the unrounded mean and SD that keep
every published figure depending on them (the arm's own, the difference, both CI
bounds and, for frequency, the change from baseline) furthest inside its
rounding interval, and how far from that point is still safe."""

from dataclasses import dataclass
from functools import cache

from diary.simulation import calibrate as cal
from diary.simulation.published import ARM_CODES, COMPARATOR, EXPERIMENTAL, published


@dataclass(frozen=True)
class Targets:
    """One arm's participant-week mean and SD to aim at, with tolerances."""

    mean: float
    sd: float
    tol_mean: float
    tol_sd: float


def _derived(outcome: str, n1: int, n2: int, baseline_means: tuple | None):
    """The figures (value, published, decimals) that follow from both arms'
    participant-week mean and SD (n1, n2 participant-weeks)."""
    pub = published()
    t2 = pub["table2_participant_week"][outcome]
    change = pub["change_from_baseline"][outcome]
    e, c = EXPERIMENTAL, COMPARATOR

    def derived(m1, s1, m2, s2):
        diff = m1 - m2
        half = cal.pooled_half_width(s1, s2, n1, n2)
        figures = [
            (m1, t2[e]["mean"], 2),
            (s1, t2[e]["sd"], 2),
            (m2, t2[c]["mean"], 2),
            (s2, t2[c]["sd"], 2),
            (diff, t2["difference"], 2),
            (diff - half, t2["ci95"][0], 2),
            (diff + half, t2["ci95"][1], 2),
        ]
        if baseline_means is not None:
            figures += [
                (m1 - baseline_means[0], change[e]["mean"], 2),
                (m2 - baseline_means[1], change[c]["mean"], 2),
            ]
        return figures

    boxes = [(t2[e]["mean"], 2), (t2[e]["sd"], 2), (t2[c]["mean"], 2), (t2[c]["sd"], 2)]
    return derived, boxes


@cache
def _ideal(outcome: str, n1: int, n2: int, baseline_means: tuple | None):
    derived, boxes = _derived(outcome, n1, n2, baseline_means)
    return cal.ideal_point(boxes, derived, grid=25)


@cache
def joint_targets(
    outcome: str, n1: int, n2: int, baseline_means: tuple | None = None
) -> dict[str, Targets]:
    """Targets for both arms (n1, n2 participant-weeks). The experimental arm's
    tolerance leaves the comparator, steered afterwards, room to make up for it."""
    derived, boxes = _derived(outcome, n1, n2, baseline_means)
    point, worst = _ideal(outcome, n1, n2, baseline_means)
    if worst <= 0:
        raise RuntimeError(f"the {outcome} figures cannot be reproduced together")
    lead = cal.leader_tolerance(derived, point[:2], (1, 4), boxes[2:], keep=0.5)
    tol = cal.box_tolerance(derived, point, (1, 10, 1, 10), keep=0.5)
    return {
        EXPERIMENTAL: Targets(point[0], point[1], lead[0], lead[1]),
        COMPARATOR: Targets(point[2], point[3], tol[2], tol[3]),
    }


def comparator_targets(
    outcome: str,
    n1: int,
    n2: int,
    experimental: tuple[float, float],
    baseline_means: tuple | None = None,
) -> Targets:
    """Targets for the comparator given the experimental arm's achieved mean and SD."""
    derived, boxes = _derived(outcome, n1, n2, baseline_means)
    m1, s1 = experimental

    def comparator_only(m2, s2):
        return derived(m1, s1, m2, s2)

    point, worst = cal.ideal_point(boxes[2:], comparator_only, grid=101)
    if worst <= 0:
        raise RuntimeError(f"the {outcome} figures are out of reach")
    tol = cal.box_tolerance(comparator_only, point, (1, 10), keep=0.5)
    return Targets(point[0], point[1], tol[0], tol[1])


@cache
def frequency_totals(n_e: int, n_c: int, weeks: int) -> tuple[int, int]:
    """Screening-count totals per arm (the baseline mean is total / 2n), chosen with
    the Table 2 frequency targets so that the change from baseline also prints as
    published (it is the intervention mean minus the baseline mean)."""
    base = published()["baseline"]["frequency"]
    n = {EXPERIMENTAL: n_e, COMPARATOR: n_c}
    options = {}
    for arm in ARM_CODES:
        lo, hi = base[arm]["mean"] - 0.005, base[arm]["mean"] + 0.005
        options[arm] = [
            t
            for t in range(int(lo * 2 * n[arm]), int(hi * 2 * n[arm]) + 2)
            if lo + 1e-4 < t / (2 * n[arm]) < hi - 1e-4
        ]
    best, best_worst = None, 0.0
    for te in options[EXPERIMENTAL]:
        for tc in options[COMPARATOR]:
            means = (te / (2 * n_e), tc / (2 * n_c))
            _, worst = _ideal("frequency", n_e * weeks, n_c * weeks, means)
            if worst > best_worst:
                best, best_worst = (te, tc), worst
    if best is None:
        raise RuntimeError("the frequency figures cannot be reproduced together")
    return best
