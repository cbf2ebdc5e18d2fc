"""List filters (django-filter). They narrow what the scoped selectors return; they
never widen it."""

import django_filters as filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from diary.models import (
    AdverseEvent,
    DiaryWeek,
    Grade,
    Participant,
    Phase,
    Relatedness,
    ScreeningOutcome,
    ScreeningRecord,
)

SMALL_INT_MAX = 32767


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class ScreeningFilter(filters.FilterSet):
    site = filters.CharFilter(field_name="site__code", help_text="Site code.")
    outcome = filters.ChoiceFilter(choices=ScreeningOutcome.choices)
    eligible = filters.BooleanFilter()
    screened_from = filters.DateFilter(field_name="screened_on", lookup_expr="gte")
    screened_to = filters.DateFilter(field_name="screened_on", lookup_expr="lte")

    class Meta:
        model = ScreeningRecord
        fields = ["site", "outcome", "eligible", "screened_from", "screened_to"]


class ParticipantFilter(filters.FilterSet):
    site = filters.CharFilter(field_name="site__code", help_text="Site code.")
    randomized = filters.BooleanFilter(field_name="randomized_on", method="filter_has_date")
    withdrawn = filters.BooleanFilter(field_name="withdrawn_on", method="filter_has_date")

    class Meta:
        model = Participant
        fields = ["site", "randomized", "withdrawn"]

    def filter_has_date(self, queryset, name, value):
        return queryset.filter(**{f"{name}__isnull": not value})


class DiaryWeekFilter(filters.FilterSet):
    participant = filters.CharFilter(
        field_name="participant__participant_id", help_text="Participant id."
    )
    site = filters.CharFilter(field_name="participant__site__code", help_text="Site code.")
    phase = filters.ChoiceFilter(field_name="protocol_week__phase", choices=Phase.choices)
    week = IntegerFilter(field_name="protocol_week__week", min_value=1, max_value=SMALL_INT_MAX)
    due_on = filters.DateFilter(field_name="due_date")
    due_from = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    recorded = filters.BooleanFilter(
        method="filter_recorded", help_text="Whether the week's values are recorded."
    )

    class Meta:
        model = DiaryWeek
        fields = ["participant", "site", "phase", "week", "due_on", "due_from", "due_to"]

    def filter_recorded(self, queryset, name, value):
        return queryset.filter(reached=True) if value else queryset.exclude(reached=True)


class AdverseEventFilter(filters.FilterSet):
    participant = filters.CharFilter(
        field_name="participant__participant_id", help_text="Participant id."
    )
    site = filters.CharFilter(field_name="participant__site__code", help_text="Site code.")
    serious = filters.BooleanFilter()
    grade = filters.ChoiceFilter(choices=Grade.choices)
    relatedness = filters.ChoiceFilter(choices=Relatedness.choices)
    onset_from = filters.DateFilter(field_name="onset_on", lookup_expr="gte")
    onset_to = filters.DateFilter(field_name="onset_on", lookup_expr="lte")

    class Meta:
        model = AdverseEvent
        fields = ["participant", "site", "serious", "grade", "relatedness"]
