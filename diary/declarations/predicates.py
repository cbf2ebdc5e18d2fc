"""Conditions on one record's values, with two faces: a Python test on a mapping of
values (forms, services, the package import) and a database condition for a CHECK
constraint.

Every condition is two-valued in SQL. A CHECK constraint passes when its condition
is NULL, so `cramps > 0` on a NULL `cramps` would let anything through; here each
comparison is paired with `IS NOT NULL` and each negation is written out (not with
`NOT`, which keeps NULL as NULL), so a condition is TRUE or FALSE, never NULL.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import F, Q

EMPTY = (None, "")

_OPS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "exact": operator.eq,
}
_NEGATED = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}


class Pred:
    """A condition on a record's values."""

    def holds(self, values: Mapping) -> bool:
        raise NotImplementedError

    def q(self) -> Q:
        """The condition as a Q that is never NULL."""
        raise NotImplementedError

    def negated(self) -> Pred:
        raise NotImplementedError

    def fields(self) -> set[str]:
        raise NotImplementedError

    def tester(self) -> Callable[[Mapping], bool]:
        """`holds` as one function built once, for checking many records quickly."""
        raise NotImplementedError

    def atoms(self) -> tuple[Pred, ...]:
        """The simple tests the condition combines (itself, unless it is AllOf or
        AnyOf): it holds or not according to which of them hold."""
        return (self,)

    def __invert__(self) -> Pred:
        return self.negated()

    def __and__(self, other: Pred) -> Pred:
        return AllOf((self, other))

    def __or__(self, other: Pred) -> Pred:
        return AnyOf((self, other))


@dataclass(frozen=True)
class Present(Pred):
    """The value is entered (not NULL; for text, not blank)."""

    name: str
    text: bool = False

    def holds(self, values):
        return values.get(self.name) not in EMPTY

    def tester(self):
        name = self.name
        return lambda values: values.get(name) not in EMPTY

    def q(self):
        q = Q(**{f"{self.name}__isnull": False})
        return q & ~Q(**{self.name: ""}) if self.text else q

    def negated(self):
        return Absent(self.name, self.text)

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class Absent(Pred):
    name: str
    text: bool = False

    def holds(self, values):
        return values.get(self.name) in EMPTY

    def tester(self):
        name = self.name
        return lambda values: values.get(name) in EMPTY

    def q(self):
        q = Q(**{f"{self.name}__isnull": True})
        return q | Q(**{self.name: ""}) if self.text else q

    def negated(self):
        return Present(self.name, self.text)

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class Is(Pred):
    """A flag holds this value (True or False); NULL is neither."""

    name: str
    value: bool

    def holds(self, values):
        return values.get(self.name) is self.value

    def tester(self):
        name, value = self.name, self.value
        return lambda values: values.get(name) is value

    def q(self):
        return Q(**{f"{self.name}__isnull": False, self.name: self.value})

    def negated(self):
        return AnyOf((Absent(self.name), Is(self.name, not self.value)))

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class Cmp(Pred):
    """`name <op> other`, where other is a constant or another field (`field=True`);
    false whenever either side is missing."""

    name: str
    op: str
    other: object
    field: bool = False

    def _other(self, values):
        return values.get(self.other) if self.field else self.other

    def holds(self, values):
        left, right = values.get(self.name), self._other(values)
        if left in EMPTY or right in EMPTY:
            return False
        return _OPS[self.op](left, right)

    def tester(self):
        name, other, compare = self.name, self.other, _OPS[self.op]
        if self.field:

            def test(values):
                left, right = values.get(name), values.get(other)
                return left not in EMPTY and right not in EMPTY and compare(left, right)

            return test
        if other in EMPTY:
            return lambda values: False
        return lambda values: (left := values.get(name)) not in EMPTY and compare(left, other)

    def q(self):
        right = F(self.other) if self.field else self.other
        q = Q(**{f"{self.name}__isnull": False, f"{self.name}__{self.op}": right})
        if self.field:
            q &= Q(**{f"{self.other}__isnull": False})
        return q

    def negated(self):
        parts: list[Pred] = [Absent(self.name)]
        if self.field:
            parts.append(Absent(self.other))
        parts.append(Cmp(self.name, _NEGATED[self.op], self.other, self.field))
        return AnyOf(tuple(parts))

    def fields(self):
        return {self.name, self.other} if self.field else {self.name}


@dataclass(frozen=True)
class In(Pred):
    """The value is one of `choices` (false when missing)."""

    name: str
    choices: tuple

    def holds(self, values):
        return values.get(self.name) in self.choices

    def tester(self):
        name, choices = self.name, self.choices
        return lambda values: values.get(name) in choices

    def q(self):
        return Q(**{f"{self.name}__isnull": False, f"{self.name}__in": list(self.choices)})

    def negated(self):
        return AnyOf((Absent(self.name), NotIn(self.name, self.choices)))

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class NotIn(Pred):
    name: str
    choices: tuple

    def holds(self, values):
        value = values.get(self.name)
        return value is not None and value not in self.choices

    def tester(self):
        name, choices = self.name, self.choices
        return lambda values: (value := values.get(name)) is not None and value not in choices

    def q(self):
        return Q(**{f"{self.name}__isnull": False}) & ~Q(**{f"{self.name}__in": list(self.choices)})

    def negated(self):
        return AnyOf((Absent(self.name), In(self.name, self.choices)))

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class Matches(Pred):
    """A text value matches a regular expression (false when missing)."""

    name: str
    pattern: str

    def holds(self, values):
        value = values.get(self.name)
        return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None

    def tester(self):
        name, pattern = self.name, re.compile(self.pattern)

        def test(values):
            value = values.get(name)
            return isinstance(value, str) and pattern.fullmatch(value) is not None

        return test

    def q(self):
        anchored = f"^{self.pattern}$"
        return Q(**{f"{self.name}__isnull": False, f"{self.name}__regex": anchored})

    def negated(self):
        return AnyOf((Absent(self.name), NotMatches(self.name, self.pattern)))

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class NotMatches(Pred):
    name: str
    pattern: str

    def holds(self, values):
        value = values.get(self.name)
        return value is not None and not Matches(self.name, self.pattern).holds(values)

    def tester(self):
        name, matches = self.name, Matches(self.name, self.pattern).tester()
        return lambda values: values.get(name) is not None and not matches(values)

    def q(self):
        return Q(**{f"{self.name}__isnull": False}) & ~Q(
            **{f"{self.name}__regex": f"^{self.pattern}$"}
        )

    def negated(self):
        return AnyOf((Absent(self.name), Matches(self.name, self.pattern)))

    def fields(self):
        return {self.name}


@dataclass(frozen=True)
class AllOf(Pred):
    parts: tuple[Pred, ...]

    def atoms(self):
        return tuple(atom for part in self.parts for atom in part.atoms())

    def holds(self, values):
        return all(p.holds(values) for p in self.parts)

    def tester(self):
        tests = tuple(p.tester() for p in self.parts)
        if len(tests) == 2:
            first, second = tests
            return lambda values: first(values) and second(values)

        return lambda values: all(part(values) for part in tests)

    def q(self):
        q = Q()
        for part in self.parts:
            q &= part.q()
        return q

    def negated(self):
        return AnyOf(tuple(p.negated() for p in self.parts))

    def fields(self):
        return set().union(*(p.fields() for p in self.parts))


@dataclass(frozen=True)
class AnyOf(Pred):
    parts: tuple[Pred, ...]

    def atoms(self):
        return tuple(atom for part in self.parts for atom in part.atoms())

    def holds(self, values):
        return any(p.holds(values) for p in self.parts)

    def tester(self):
        tests = tuple(p.tester() for p in self.parts)
        if len(tests) == 2:
            first, second = tests
            return lambda values: first(values) or second(values)

        return lambda values: any(part(values) for part in tests)

    def q(self):
        q = self.parts[0].q()
        for part in self.parts[1:]:
            q |= part.q()
        return q

    def negated(self):
        return AllOf(tuple(p.negated() for p in self.parts))

    def fields(self):
        return set().union(*(p.fields() for p in self.parts))


def implies(condition: Pred, consequence: Pred) -> Pred:
    """`condition -> consequence`, as a two-valued condition."""
    return AnyOf((condition.negated(), consequence))
