"""Start-up check of the randomization list: its content must still match its
fingerprint and be readable with this ALLOCATION_KEY.

Registered as a deployment check that reads the database only when asked to:

    python manage.py check --deploy --database default

(run it when the app starts in production). It never runs during `migrate`, which
does not run deployment checks. Allocation checks the fingerprint again each time
it gives a bottle (diary.selectors.allocation.list_intact_or_raise).
"""

from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

TAG = "randomization_list"


@register(TAG, deploy=True)
def randomization_list_intact(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from diary.models import RandomizationList
    from diary.selectors.allocation import randomization_list_check

    problems = []
    for alias in databases:
        try:
            lists = list(RandomizationList.objects.using(alias).select_related("trial"))
        except DatabaseError as exc:
            return [
                Warning(
                    f"The randomization list could not be checked ({exc}).",
                    hint="Run the migrations, or check the database connection.",
                    id="diary.W001",
                )
            ]
        for randomization_list in lists:
            try:
                check = randomization_list_check(randomization_list=randomization_list)
            except ImproperlyConfigured as exc:
                problems.append(
                    Error(str(exc), hint="Set the trial's ALLOCATION_KEY.", id="diary.E002")
                )
                continue
            if not check.intact:
                problems.append(
                    Error(
                        f"The randomization list of {randomization_list.trial.code} does not "
                        "match its fingerprint: it was changed after it was stored.",
                        hint="Allocation is refused until the list is restored from a backup.",
                        id="diary.E001",
                    )
                )
    return problems
