"""A simulated trial as it stands on a given day: recruitment and follow-up under way.

`plan_in_progress` moves a finished plan's dates so that `today` falls in the middle
of it and keeps what would have happened by then: candidates screened, consented
and in their screening diary, participants in each intervention week, the calls of
the last days still to make (due today or overdue) and the rest to come, bottles
left on the list, a withdrawal or two, an adverse event still ongoing. Entered with
`plan_run`, it gives the demo a day's work to do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from diary.simulation.plan import TrialPlan

# The share of the plan's participants randomized by `today`.
RANDOMIZED_SHARE = 0.7
# Calls of the last days are not made yet: due today, or overdue.
CALLS_PENDING_DAYS = 3
# One in OVERDUE_EVERY of the participants called in the last OVERDUE_DAYS days (the
# first at least) was not reached since: their calls wait in the queue, overdue.
OVERDUE_EVERY = 5
OVERDUE_DAYS = 12
# Invented numbers: the UK's range reserved for drama (Ofcom), never a real phone.
PHONE_PREFIX = "+44 7700 900"


def plan_in_progress(plan: TrialPlan, *, today: date) -> TrialPlan:
    """The part of `plan` that has happened by `today`, its dates moved to end there.

    Shapes are the plan's (TrialPlan's columns); participants gain a `phone` column.
    Participants randomized after `today` stay consented (no randomization date, no
    bottle), those who consent after it and their screening are left out; calls
    dated within CALLS_PENDING_DAYS of `today` or later are not made, nor those of one
    participant in OVERDUE_EVERY within OVERDUE_DAYS (overdue); withdrawals
    and adverse events after it are left out, an adverse event resolving after it
    is ongoing (and one is added at the first site, a mild headache two days ago, if
    none there would be). The allocation is kept
    whole: the bottles not given yet are left for the participants to come.
    """
    ordered = plan.participants["randomized_on"].sort_values()
    anchor = ordered.iloc[int(RANDOMIZED_SHARE * (len(ordered) - 1))]
    shift = pd.Timestamp(today) - anchor.normalize()
    now = pd.Timestamp(today)

    def moved(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
        frame = frame.copy()
        for column in columns:
            frame[column] = frame[column] + shift
        return frame

    participants = moved(plan.participants, "consented_on", "randomized_on", "withdrawn_on")
    participants = participants[participants["consented_on"] <= now].copy()
    later = participants["randomized_on"] > now
    participants.loc[later, ["randomized_on", "withdrawn_on"]] = pd.NaT
    participants.loc[later, "bottle_number"] = pd.NA
    participants.loc[later, "withdrawal_reason"] = ""
    after = participants["withdrawn_on"] > now
    participants.loc[after, "withdrawn_on"] = pd.NaT
    participants.loc[after, "withdrawal_reason"] = ""
    participants["phone"] = [f"{PHONE_PREFIX}{n % 1000:03d}" for n in range(len(participants))]

    screening = moved(plan.screening, "screened_on")
    consenting_later = set(plan.participants["screening_id"]) - set(participants["screening_id"])
    screening = screening[
        (screening["screened_on"] <= now) & ~screening["screening_id"].isin(consenting_later)
    ]

    randomized = set(participants.loc[participants["randomized_on"].notna(), "participant_id"])
    enrolled = set(participants["participant_id"])
    diary = moved(plan.diary, "call_date")
    cutoff = now - pd.Timedelta(days=CALLS_PENDING_DAYS)
    recent = diary["call_date"].between(now - pd.Timedelta(days=OVERDUE_DAYS), cutoff)
    unreached = set(sorted(diary.loc[recent, "participant_id"].unique())[::OVERDUE_EVERY])
    # A randomized participant completed the screening diary: those calls were made.
    screened = diary["phase"].eq("screening") & diary["participant_id"].isin(randomized)
    pending = (diary["call_date"] > cutoff) | (
        diary["participant_id"].isin(unreached)
        & (diary["call_date"] > now - pd.Timedelta(days=OVERDUE_DAYS))
    )
    diary = diary[
        diary["participant_id"].isin(enrolled)
        & (diary["phase"].ne("intervention") | diary["participant_id"].isin(randomized))
        & (screened | ~pending)
    ]
    events = moved(plan.adverse_events, "onset_on", "resolved_on")
    events = events[(events["onset_on"] < now) & events["participant_id"].isin(randomized)].copy()
    ongoing = events["resolved_on"] > now
    events.loc[ongoing, "resolved_on"] = pd.NaT
    events.loc[ongoing, "outcome"] = "ongoing"
    # The demo's site-bound accounts work at the first site: one ongoing event there.
    first_site = participants["site_code"].min()
    at_first = events["participant_id"].isin(
        participants.loc[participants["site_code"].eq(first_site), "participant_id"]
    )
    if not (ongoing & at_first).any():
        here = participants[participants["site_code"].eq(first_site)]
        events = pd.concat([events, _ongoing_event(here, now)], ignore_index=True)

    return replace(
        plan,
        preset=f"{plan.preset}-in-progress",
        screening=screening.reset_index(drop=True),
        participants=participants.reset_index(drop=True),
        diary=diary.reset_index(drop=True),
        adverse_events=events.reset_index(drop=True),
        notes={**plan.notes, "in_progress_on": today.isoformat()},
    )


def _ongoing_event(participants: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """A mild headache since two days ago, of the latest participant randomized who
    is still in the trial."""
    onset = now - pd.Timedelta(days=2)
    active = participants[
        participants["randomized_on"].notna()
        & (participants["randomized_on"] < onset)
        & participants["withdrawn_on"].isna()
    ]
    row = {
        "participant_id": active["participant_id"].iloc[-1],
        "onset_on": onset,
        "term": "Headache",
        "serious": False,
        "grade": "mild",
        "relatedness": "unlikely",
        "outcome": "ongoing",
        "resolved_on": pd.NaT,
    }
    return pd.DataFrame([row])
