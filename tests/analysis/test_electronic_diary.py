"""The electronic diary in the analysis: a week without a reached call is observed
when its seven nights are reported (values derived from them), and diary completion,
pooled or by arm."""

import pandas as pd

from analysis.conventions import weeks_from_nights
from analysis.tables.diary_completion import diary_completion, diary_completion_by_arm

RANDOMIZED = pd.Timestamp("2024-03-04")


def _participants():
    return pd.DataFrame(
        {
            "participant_id": ["P1", "P2"],
            "consented_on": [RANDOMIZED - pd.Timedelta(days=14)] * 2,
            "randomized_on": [RANDOMIZED] * 2,
            "withdrawn_on": [pd.NaT, RANDOMIZED + pd.Timedelta(days=9)],
            "arm": ["A", "B"],
        }
    )


def _nights(pid, days):
    return pd.DataFrame(
        {
            "participant_id": pid,
            "night": [RANDOMIZED + pd.Timedelta(days=d) for d in days],
            "reported": True,
            "cramps": 0.0,
            "source": "participant",
        }
    )


def test_a_week_of_seven_reported_nights_gives_its_cramps_and_means():
    # P1 reports intervention week 1 whole: cramps on day 1 (2) and day 4 (1);
    # by hand 3 cramps, duration (1 + 2 + 4.5) / 3 = 2.5, severity (3 + 5 + 10) / 3 = 6.
    nights = pd.concat([_nights("P1", range(7)), _nights("P2", range(6))])
    events = pd.DataFrame(
        {
            "participant_id": ["P1", "P1", "P1", "P2"],
            "night": [RANDOMIZED + pd.Timedelta(days=d) for d in (1, 1, 4, 2)],
            "duration_min": [1.0, 2.0, 4.5, 9.0],
            "severity": [3.0, 5.0, 10.0, 9.0],
        }
    )
    weeks = weeks_from_nights(
        nights, events, _participants(), screening_weeks=2, intervention_weeks=8
    )
    assert weeks.to_dict("records") == [
        {
            "participant_id": "P1",
            "phase": "intervention",
            "week": 1,
            "reached": True,
            "cramps": 3.0,
            "duration_min": 2.5,
            "severity": 6.0,
        }
    ]


def test_a_full_week_without_cramps_is_observed_with_none():
    weeks = weeks_from_nights(
        _nights("P1", range(7, 14)),
        pd.DataFrame(columns=["participant_id", "night", "duration_min", "severity"]),
        _participants(),
        screening_weeks=2,
        intervention_weeks=8,
    )
    assert weeks[["week", "cramps"]].to_dict("records") == [{"week": 2, "cramps": 0.0}]
    assert weeks["duration_min"].isna().all()


def test_completion_counts_nights_of_follow_up_pooled_and_by_arm():
    nights = pd.concat([_nights("P1", range(7)), _nights("P2", range(6))])
    # P1: consent to the end of week 8 = 14 + 56 nights; P2: consent to withdrawal = 24.
    assert diary_completion(nights, _participants(), intervention_weeks=8) == {
        "participants": 2,
        "nights_expected": 94,
        "nights_reported": 13,
        "pct": 100 * 13 / 94,
    }
    by_arm = diary_completion_by_arm(nights, _participants(), ("A", "B"), intervention_weeks=8)
    assert by_arm["A"]["nights_expected"] == 70 and by_arm["B"]["nights_reported"] == 6
