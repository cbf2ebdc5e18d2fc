"""The protocol a package is checked against: read from trial.json (to create the
trial) or from the trial already configured."""

from dataclasses import dataclass, field

from diary.declarations.base import control_characters
from diary.models import ArmRole, EligibilityCriterion, Trial
from diary.package.cells import SLUG
from diary.package.problems import ProblemLog
from diary.package.schema import TRIAL_JSON


@dataclass(frozen=True)
class Protocol:
    code: str
    screening_weeks: int
    intervention_weeks: int
    arm_codes: frozenset[str]
    min_age: int | None = None
    min_screening_cramps: int | None = None
    site_prefixed_ids: bool = False
    call_window_days: int = 2
    # (arm code, ratio) of each arm, for checking a randomization list against them.
    arm_ratios: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    # trial_create's keyword arguments when the import creates the trial.
    create: dict | None = field(default=None, compare=False)

    def weeks(self, phase: str) -> int:
        return self.screening_weeks if phase == "screening" else self.intervention_weeks


def protocol_from_trial(trial: Trial) -> Protocol:
    return Protocol(
        code=trial.code,
        screening_weeks=trial.screening_weeks,
        intervention_weeks=trial.intervention_weeks,
        arm_codes=frozenset(trial.arms.values_list("code", flat=True)),
        arm_ratios=tuple(trial.arms.order_by("code").values_list("code", "ratio")),
        min_age=trial.min_age,
        min_screening_cramps=trial.min_screening_cramps,
        site_prefixed_ids=trial.site_prefixed_ids,
        call_window_days=trial.call_window_days,
    )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self, log: ProblemLog):
        self.log = log
        self.ok = True

    def fail(self, where: str, message: str) -> None:
        self.ok = False
        self.log.add(TRIAL_JSON, None, where, message)

    def text(self, data: dict, key: str, where: str, max_length: int, *, slug=False) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "missing (a non-empty string)")
            return ""
        bad = control_characters(value)
        if len(value) > max_length:
            self.fail(where, f"longer than {max_length} characters")
        elif bad:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
            self.fail(
                where,
                f"holds control characters ({codes}); only tab and line break are allowed",
            )
        elif slug and not SLUG.match(value):
            self.fail(where, f"{value!r} is not a code (letters, digits, hyphens, underscores)")
        return value.strip()

    def flag(self, data: dict, key: str) -> bool | None:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.fail(key, f"{value!r} is not true or false")
        return None

    def integer(self, data: dict, key: str, low: int, high: int | None, *, required=True):
        value = data.get(key)
        if value is None and not required:
            return None
        if not _is_int(value):
            self.fail(
                key,
                "missing (a whole number)" if value is None else f"{value!r} is not a whole number",
            )
            return None
        if value < low or (high is not None and value > high):
            self.fail(
                key, f"{value} is outside {low}-{high}" if high else f"{value} is below {low}"
            )
            return None
        return value


def protocol_from_json(data, log: ProblemLog) -> Protocol | None:
    """Check trial.json; the protocol, or None when it has problems (logged)."""
    check = _Checker(log)
    if not isinstance(data, dict):
        check.fail(None, "must be a JSON object")
        return None
    spec = {
        "code": check.text(data, "code", "code", 40),
        "title": check.text(data, "title", "title", 200),
        "screening_weeks": check.integer(data, "screening_weeks", 1, 8),
        "intervention_weeks": check.integer(data, "intervention_weeks", 1, 52),
        "arms": _arms(data.get("arms"), check),
    }
    optional = {
        "call_window_days": check.integer(data, "call_window_days", 0, 3, required=False),
        "min_age": check.integer(data, "min_age", 0, 120, required=False),
        "min_screening_cramps": check.integer(
            data, "min_screening_cramps", 0, None, required=False
        ),
        "target_enrolment": check.integer(data, "target_enrolment", 1, None, required=False),
        "site_prefixed_ids": check.flag(data, "site_prefixed_ids"),
        "criteria": _criteria(data.get("criteria"), check),
        "analysis_plan": _analysis_plan(
            data.get("analysis_plan"), check, intervention_weeks=data.get("intervention_weeks")
        ),
    }
    spec.update({k: v for k, v in optional.items() if v is not None})
    if not check.ok:
        return None
    return Protocol(
        code=spec["code"],
        screening_weeks=spec["screening_weeks"],
        intervention_weeks=spec["intervention_weeks"],
        arm_codes=frozenset(arm["code"] for arm in spec["arms"]),
        arm_ratios=tuple((arm["code"], arm.get("ratio", 1)) for arm in spec["arms"]),
        min_age=spec.get("min_age"),
        min_screening_cramps=spec.get("min_screening_cramps", 2),
        site_prefixed_ids=bool(spec.get("site_prefixed_ids", False)),
        call_window_days=spec.get("call_window_days", 2),
        create=spec,
    )


def _arms(arms, check: _Checker) -> list[dict]:
    if not isinstance(arms, list) or len(arms) != 2:
        check.fail("arms", "must list exactly two arms")
        return []
    result = []
    for i, arm in enumerate(arms):
        where = f"arms[{i}]"
        if not isinstance(arm, dict):
            check.fail(where, "must be a JSON object")
            continue
        role = arm.get("role")
        if role not in ArmRole.values:
            check.fail(f"{where}.role", f"{role!r} is not one of {', '.join(ArmRole.values)}")
        ratio = arm.get("ratio", 1)
        if not _is_int(ratio) or ratio < 1:
            check.fail(f"{where}.ratio", f"{ratio!r} is not a whole number of at least 1")
        result.append(
            {
                "code": check.text(arm, "code", f"{where}.code", 40, slug=True),
                "label": check.text(arm, "label", f"{where}.label", 200),
                "role": role,
                "ratio": ratio,
            }
        )
    if len(result) == 2:
        if sorted(str(a["role"]) for a in result) != [ArmRole.COMPARATOR, ArmRole.EXPERIMENTAL]:
            check.fail("arms", "one arm must be experimental and the other comparator")
        if result[0]["code"] == result[1]["code"]:
            check.fail("arms", "the two arms need different codes")
    return result


def _analysis_plan(plan, check: _Checker, *, intervention_weeks=None) -> dict | None:
    """The statistical analysis plan, kept as given once the analysis's own check
    (analysis.plan.plan_of) accepts it."""
    if plan is None:
        return None
    if not isinstance(plan, dict):
        check.fail("analysis_plan", "must be a JSON object")
        return None
    # Whatever the import accepts, the report can analyse: the report's own check.
    from analysis.errors import InvalidParameters
    from analysis.plan import plan_of

    try:
        plan_of({"analysis_plan": plan, "intervention_weeks": intervention_weeks})
    except InvalidParameters as exc:
        check.fail("analysis_plan", str(exc))
    except (TypeError, ValueError):
        pass  # intervention_weeks is refused on its own
    return plan


def _criteria(criteria, check: _Checker) -> list[dict] | None:
    if criteria is None:
        return None
    if not isinstance(criteria, list):
        check.fail("criteria", "must be a list")
        return None
    result, seen = [], set()
    kinds = EligibilityCriterion.Kind.values
    for i, item in enumerate(criteria):
        where = f"criteria[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a JSON object")
            continue
        code = check.text(item, "code", f"{where}.code", 60, slug=True)
        if code in seen:
            check.fail(f"{where}.code", f"duplicate criterion code {code!r}")
        seen.add(code)
        if item.get("kind") not in kinds:
            check.fail(f"{where}.kind", f"{item.get('kind')!r} is not one of {', '.join(kinds)}")
        text = check.text(item, "text", f"{where}.text", 300)
        result.append({"code": code, "kind": item.get("kind"), "text": text})
    return result


def protocol_compare(configured: Protocol, packaged: Protocol, log: ProblemLog) -> None:
    """A package with trial.json for an already configured trial must be for that trial."""
    for key in ("code", "screening_weeks", "intervention_weeks"):
        mine, theirs = getattr(configured, key), getattr(packaged, key)
        if mine != theirs:
            log.add(
                TRIAL_JSON,
                None,
                key,
                f"the package is for {key} {theirs!r}; this database's trial has {mine!r}",
            )
