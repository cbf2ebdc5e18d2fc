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
