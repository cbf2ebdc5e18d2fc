"""Simulated trials: every row of a trial's data package, generated from a seed.

- `plan_reference_trial(seed)`: the vitamin K2 reference trial, calibrated so that
  its intention-to-treat report reproduces every figure the paper publishes;
- `plan_null_trial(seed, participants=...)`: the same design with no difference
  between the arms;
- `plan_scale_trial(seed, participants=N)`: a large trial for benchmarks.

A plan is plain data (pandas DataFrames in the data package's columns); it is
entered into the app by a runner that goes through the app's services.
"""

from diary.simulation.answers import screening_answers
from diary.simulation.plan import TrialPlan
from diary.simulation.reference_plan import plan_reference_trial
from diary.simulation.uncalibrated import plan_null_trial, plan_scale_trial

__all__ = [
    "TrialPlan",
    "plan_null_trial",
    "plan_reference_trial",
    "plan_scale_trial",
    "screening_answers",
]
