"""List filters (django-filter). They narrow what the scoped selectors return; they
never widen it."""

import django_filters as filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from diary.declarations import IDENTIFIER
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
TRUE, FALSE = ("true", "True", "1"), ("false", "False", "0")


def strict_query(request, names) -> None:
    """A query parameter the API documents is given once, with a value: a repeated
    or empty one is a 400 naming it (not silently ignored)."""
    errors = {}
    for name in names:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            errors[name] = ["Give this parameter once."]
        elif values and not values[0].strip():
            errors[name] = ["Give a value, or leave the parameter out."]
    if errors:
        raise ValidationError(errors)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing repeated and empty filter parameters."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            strict_query(request, filterset_class.base_filters)
        return super().filter_queryset(request, queryset, view)


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise forms.ValidationError("Use true or false.")


class BooleanFilter(filters.BooleanFilter):
    """true or false; anything else is a 400 (not taken as "no filter")."""

    field_class = StrictBooleanField


@extend_schema_field({"type": "string", "pattern": f"^{IDENTIFIER}$"})
class IdentifierFilter(filters.CharFilter):
    """A site code or participant id, in the declared format (anything else is a 400)."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", f"^{IDENTIFIER}$")
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": SMALL_INT_MAX})
class WeekFilter(IntegerFilter):
    pass


class ScreeningFilter(filters.FilterSet):
    site = IdentifierFilter(field_name="site__code", help_text="Site code.")
    outcome = filters.ChoiceFilter(choices=ScreeningOutcome.choices)
    eligible = BooleanFilter()
    screened_from = filters.DateFilter(field_name="screened_on", lookup_expr="gte")
    screened_to = filters.DateFilter(field_name="screened_on", lookup_expr="lte")

    class Meta:
        model = ScreeningRecord
        fields = ["site", "outcome", "eligible", "screened_from", "screened_to"]


class ParticipantFilter(filters.FilterSet):
    site = IdentifierFilter(field_name="site__code", help_text="Site code.")
    randomized = BooleanFilter(field_name="randomized_on", method="filter_has_date")
    withdrawn = BooleanFilter(field_name="withdrawn_on", method="filter_has_date")

    class Meta:
        model = Participant
        fields = ["site", "randomized", "withdrawn"]

    def filter_has_date(self, queryset, name, value):
        return queryset.filter(**{f"{name}__isnull": not value})


class DiaryWeekFilter(filters.FilterSet):
    participant = IdentifierFilter(
        field_name="participant__participant_id", help_text="Participant id."
    )
    site = IdentifierFilter(field_name="participant__site__code", help_text="Site code.")
    phase = filters.ChoiceFilter(field_name="protocol_week__phase", choices=Phase.choices)
    week = WeekFilter(field_name="protocol_week__week", min_value=1, max_value=SMALL_INT_MAX)
    due_on = filters.DateFilter(field_name="due_date")
    due_from = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    recorded = BooleanFilter(
        method="filter_recorded", help_text="Whether the week's values are recorded."
    )

    class Meta:
        model = DiaryWeek
        fields = ["participant", "site", "phase", "week", "due_on", "due_from", "due_to"]

    def filter_recorded(self, queryset, name, value):
        return queryset.filter(reached=True) if value else queryset.exclude(reached=True)


class AdverseEventFilter(filters.FilterSet):
    participant = IdentifierFilter(
        field_name="participant__participant_id", help_text="Participant id."
    )
    site = IdentifierFilter(field_name="participant__site__code", help_text="Site code.")
    serious = BooleanFilter()
    grade = filters.ChoiceFilter(choices=Grade.choices)
    relatedness = filters.ChoiceFilter(choices=Relatedness.choices)
    onset_from = filters.DateFilter(field_name="onset_on", lookup_expr="gte")
    onset_to = filters.DateFilter(field_name="onset_on", lookup_expr="lte")

    class Meta:
        model = AdverseEvent
        fields = ["participant", "site", "serious", "grade", "relatedness"]
