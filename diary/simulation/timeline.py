"""When things happen in a simulated trial: screening, consent, the screening
diary, randomization, weekly calls, withdrawals."""

from dataclasses import dataclass

import numpy as np

DAY = np.timedelta64(1, "D")

# A weekly call is due at the end of its week (start + 7 x week) and made within
# two days of it, mostly on the day.
CALL_OFFSETS = np.array([-2, -1, 0, 1, 2])
CALL_OFFSET_P = np.array([0.04, 0.12, 0.68, 0.12, 0.04])

WITHDRAWAL_REASONS = [
    "Lost to follow-up",
    "Withdrew consent",
    "Moved away from the study area",
    "Unwilling to keep taking the capsules",
    "Unable to keep the diary",
]


def weekday_dates(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    """n sorted random working days between `first` and `last` (datetime64[D])."""
    days = np.arange(np.datetime64(first), np.datetime64(last) + DAY, DAY)
    days = days[np.is_busday(days)]
    return np.sort(rng.choice(days, size=n, replace=True))


def call_dates(rng: np.random.Generator, start: np.ndarray, weeks: int) -> np.ndarray:
    """Call dates (n x weeks) of weeks 1..weeks counted from `start`."""
    offsets = rng.choice(CALL_OFFSETS, p=CALL_OFFSET_P, size=(len(start), weeks))
    due = start[:, None] + (7 * np.arange(1, weeks + 1))[None, :] * DAY
    return due + offsets * DAY


@dataclass
class Enrolment:
    """The enrolled candidates in randomization order."""

    screening_index: np.ndarray  # row of each participant in the screening log
    site_code: np.ndarray
    screened_on: np.ndarray
    consented_on: np.ndarray
    screening_calls: np.ndarray  # n x screening weeks
    randomized_on: np.ndarray


def enrol(
    rng: np.random.Generator,
    screened_on: np.ndarray,
    site_code: np.ndarray,
    enrolled_rows: np.ndarray,
    screening_weeks: int,
) -> Enrolment:
    """Consent (same day or within a week), the screening diary counted from
    consent, randomization within a few days of its last call; ordered by
    randomization date (ties: the earlier screened first)."""
    n = len(enrolled_rows)
    screened = screened_on[enrolled_rows]
    delay = np.where(rng.random(n) < 0.55, 0, rng.integers(1, 8, n))
    consented = screened + delay * DAY
    offsets = rng.choice([-1, 0, 0, 0, 1], size=(n, screening_weeks))
    calls = consented[:, None] + (7 * np.arange(1, screening_weeks + 1) + offsets) * DAY
    wait = rng.choice([0, 0, 1, 1, 2, 3], size=n)
    randomized = np.maximum(calls[:, -1], consented + 7 * screening_weeks * DAY) + wait * DAY
    order = np.lexsort((enrolled_rows, randomized))
    return Enrolment(
        screening_index=enrolled_rows[order],
        site_code=site_code[enrolled_rows][order],
        screened_on=screened[order],
        consented_on=consented[order],
        screening_calls=calls[order],
        randomized_on=randomized[order],
    )


@dataclass
class FollowUp:
    """Who was reached in which intervention week, and withdrawals."""

    observed: np.ndarray  # n x weeks: a reached call
    has_row: np.ndarray  # n x weeks: a call was made (reached or not)
    call_date: np.ndarray  # n x weeks (NaT where no row)
    withdrawn_on: np.ndarray  # NaT when the participant completed
    withdrawal_reason: np.ndarray  # object, None when completed


def follow_up(
    rng: np.random.Generator,
    randomized_on: np.ndarray,
    withdrawers: np.ndarray,
    weeks: int,
    missed_call_rate: float = 0.035,
) -> FollowUp:
    """Weekly calls for everyone, none after a withdrawal; `withdrawers` (indices)
    withdraw before the end of the intervention, after 0..weeks-1 reported weeks;
    other calls are missed at `missed_call_rate`."""
    n = len(randomized_on)
    dates = call_dates(rng, randomized_on, weeks)
    last_week = np.full(n, weeks)
    last_week[withdrawers] = rng.choice(
        np.arange(weeks), size=len(withdrawers), p=_early_weights(weeks)
    )
    has_row = np.arange(1, weeks + 1)[None, :] <= last_week[:, None]
    observed = has_row & (rng.random((n, weeks)) >= missed_call_rate)
    withdrawn_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    reasons = np.full(n, None, dtype=object)
    k = last_week[withdrawers]
    last_call = dates[withdrawers, np.maximum(k - 1, 0)]
    after = np.where(k > 0, last_call, randomized_on[withdrawers])
    day = after + rng.integers(1, 6, len(withdrawers)) * DAY
    end = randomized_on[withdrawers] + (7 * weeks - 1) * DAY
    withdrawn_on[withdrawers] = np.minimum(day, end)
    choices = np.array(WITHDRAWAL_REASONS, dtype=object)
    reasons[withdrawers] = choices[rng.integers(len(choices), size=len(withdrawers))]
    call_date = np.where(has_row, dates, np.datetime64("NaT"))
    return FollowUp(observed, has_row, call_date, withdrawn_on, reasons)


def _early_weights(weeks: int) -> np.ndarray:
    """Withdrawals come more often early in the intervention."""
    w = np.linspace(1.6, 0.8, weeks)
    return w / w.sum()
