"""What is wrong with a package: each problem names its file, line and column."""

from dataclasses import dataclass

from diary.errors import TrialError

# A refusal lists at least this many problems; the rest are counted.
PROBLEMS_KEPT = 1000


@dataclass(frozen=True)
class Problem:
    file: str | None
    line: int | None  # physical line in the file, the header being line 1
    column: str | None
    message: str

    def __str__(self) -> str:
        place = ":".join(str(p) for p in (self.file, self.line, self.column) if p not in (None, ""))
        return f"{place}: {self.message}" if place else self.message


class ProblemLog:
    """Collects problems (or warnings) in the order they are found, keeping the
    first PROBLEMS_KEPT and counting all."""

    def __init__(self, kept: int = PROBLEMS_KEPT):
        self.kept = kept
        self.items: list[Problem] = []
        self.total = 0

    def add(self, file, line, column, message) -> None:
        self.total += 1
        if len(self.items) < self.kept:
            self.items.append(Problem(file, line, column, message))

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total


class PackageRefused(TrialError):
    """The package was not imported; `problems` says why, `total` counts them all."""

    def __init__(self, problems: list[Problem], *, total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        noun = "problem" if self.total == 1 else "problems"
        super().__init__(
            f"The package was refused ({self.total} {noun}); nothing was imported.",
            field="package",
        )
