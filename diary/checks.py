"""Start-up checks: the randomization list must still match its fingerprint and be
readable with this ALLOCATION_KEY; every site must have someone to alert; behind a
reverse proxy, the client's address must come from it.

Registered as a deployment check that reads the database only when asked to:

    python manage.py check --deploy --database default

(run it when the app starts in production). It never runs during `migrate`, which
does not run deployment checks. Allocation checks the fingerprint again each time
it gives a bottle (diary.selectors.allocation.list_intact_or_raise).
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

TAG = "randomization_list"
TAG_ALERTS = "alerts"


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


# -- who is alerted -----------------------------------------------------------------------


@register(TAG_ALERTS, deploy=True)
def alert_recipients(app_configs=None, databases=None, **kwargs):
    """Warn when a serious adverse event at a site, or an emergency unblinding, would
    find nobody with an email address to tell (the message would wait, pending)."""
    if not databases:
        return []
    from diary.models import Site
    from diary.selectors.recipients import emergency_notice_recipients, sae_alert_recipients

    problems = []
    try:
        sites = list(Site.objects.order_by("code"))
        for site in sites:
            if not sae_alert_recipients(site=site):
                problems.append(
                    Warning(
                        "Nobody would be alerted of a serious adverse event at site "
                        f"{site.code}: no active coordinator, nor investigator of the site, "
                        "has an email address.",
                        hint="Give a coordinator or the site's investigator an email address "
                        "(admin, Users; or manage.py add_user --email).",
                        id="diary.W002",
                    )
                )
        if sites and not emergency_notice_recipients():
            problems.append(
                Warning(
                    "Nobody would be told of an emergency unblinding: no active coordinator "
                    "or unblinded statistician has an email address.",
                    hint="Give a coordinator or the unblinded statistician an email address.",
                    id="diary.W003",
                )
            )
    except DatabaseError as exc:
        return [
            Warning(
                f"Who is alerted could not be checked ({exc}).",
                hint="Run the migrations, or check the database connection.",
                id="diary.W001",
            )
        ]
    return problems


# -- the client's address behind a reverse proxy --------------------------------------------


@register(Tags.security, deploy=True)
def client_address_behind_proxy(app_configs=None, **kwargs):
    """Behind a reverse proxy every request comes from the proxy: unless the app trusts
    it for the client's address, the login lockout locks a username for everyone."""
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT < 1:
        return [
            Warning(
                "The app runs behind a reverse proxy (SECURE_PROXY_SSL_HEADER) but trusts "
                "none for the client's address (DJANGO_TRUSTED_PROXY_COUNT=0): every client "
                "shares the proxy's address, so wrong passwords from anywhere lock a "
                "username out for everyone.",
                hint="Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies in front of "
                "the app, each appending the client's address to X-Forwarded-For (see the "
                "README, Deployment).",
                id="diary.W004",
            )
        ]
    return []
