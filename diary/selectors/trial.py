"""The trial this database holds."""

from diary.errors import NoTrialConfigured
from diary.models import Trial


def current_trial() -> Trial:
    """The one trial of this database; refuses clearly when none is configured."""
    trial = Trial.objects.order_by("pk").first()
    if trial is None:
        raise NoTrialConfigured(
            "No trial is configured yet: load a preset (setup_trial) or import a package."
        )
    return trial


def trial_or_none() -> Trial | None:
    return Trial.objects.order_by("pk").first()
