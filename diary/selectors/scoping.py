"""Site scoping, applied once: every read of clinical records by a user starts here.

Research assistants and investigators see the sites they are assigned to;
coordinators and statisticians see every site; a user without a role sees nothing.
"""

from django.db.models import QuerySet

from diary.models import AdverseEvent, DiaryWeek, Participant, ScreeningRecord, Site
from diary.roles import role_of, sees_all_sites


def sites_for(user) -> QuerySet[Site]:
    if role_of(user) is None:
        return Site.objects.none()
    if sees_all_sites(user):
        return Site.objects.all()
    return Site.objects.filter(assignments__user=user)


def _site_ids(user):
    return sites_for(user).values("pk")


def screenings_for(user) -> QuerySet[ScreeningRecord]:
    if sees_all_sites(user):
        return ScreeningRecord.objects.all()
    return ScreeningRecord.objects.filter(site__in=_site_ids(user))


def participants_for(user) -> QuerySet[Participant]:
    if sees_all_sites(user):
        return Participant.objects.all()
    return Participant.objects.filter(site__in=_site_ids(user))


def diary_weeks_for(user) -> QuerySet[DiaryWeek]:
    if sees_all_sites(user):
        return DiaryWeek.objects.all()
    return DiaryWeek.objects.filter(participant__site__in=_site_ids(user))


def adverse_events_for(user) -> QuerySet[AdverseEvent]:
    if sees_all_sites(user):
        return AdverseEvent.objects.all()
    return AdverseEvent.objects.filter(participant__site__in=_site_ids(user))


def participant_counts(*, user) -> dict[str, int]:
    """Participants of the user's sites: enrolled, randomized, stopped the study
    product, withdrawn (one query). Never by arm."""
    from django.db.models import Count, Q

    return participants_for(user).aggregate(
        enrolled=Count("pk"),
        randomized=Count("pk", filter=Q(randomized_on__isnull=False)),
        treatment_stopped=Count("pk", filter=Q(treatment_stopped_on__isnull=False)),
        withdrawn=Count("pk", filter=Q(withdrawn_on__isnull=False)),
    )
