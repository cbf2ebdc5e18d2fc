"""API fields that state in the OpenAPI schema the limits the server enforces."""

from decimal import Decimal

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from diary.declarations import EARLIEST_DATE, LATEST_DATE
from diary.declarations.base import TEXT_PATTERN, control_characters

# The calendar as a pattern: OpenAPI has no bounds for a date, so the schema states
# the years a date may have, and `format: date` that it exists.
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class TrialDateField(serializers.DateField):
    """A date within the trial's calendar (1900-01-01 to 2100-12-31), as entry and
    import accept; schedules and call windows are computed from the dates entered."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise serializers.ValidationError(
                f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}."
            )
        return day


class DeclaredDecimalField(serializers.DecimalField):
    """A decimal read as a JSON number (or a numeric string) and written as a string,
    whose schema gives its range and step (multipleOf), so that any number the
    schema allows is one the server stores."""

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float) and not isinstance(data, bool):
            # A JSON number is a binary float: 0.57 may arrive as 0.5700000000000001.
            # Read it as the nearest step when it is that step up to float noise.
            rounded = round(data, self.decimal_places)
            if abs(data - rounded) <= 1e-9 * max(1.0, abs(data)):
                data = format(rounded, f".{self.decimal_places}f")
        return super().to_internal_value(data)


class DeclaredDecimalFieldExtension(OpenApiSerializerFieldExtension):
    target_class = DeclaredDecimalField

    def map_serializer_field(self, auto_schema, direction):
        field: DeclaredDecimalField = self.target
        step = Decimal(1).scaleb(-field.decimal_places)
        if direction == "response":
            return {
                "type": "string",
                "format": "decimal",
                "pattern": rf"^-?\d+(\.\d{{{field.decimal_places}}})?$",
            }
        schema: dict = {"type": "number", "multipleOf": float(step)}
        if field.min_value is not None:
            schema["minimum"] = float(field.min_value)
        if field.max_value is not None:
            schema["maximum"] = float(field.max_value)
        return schema


class TrialDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = TrialDateField

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "format": "date"}
        if direction == "request":
            schema["pattern"] = DATE_PATTERN
        return schema


class TextField(serializers.CharField):
    """Free text without the control characters no clinical text may hold (only tab
    and line breaks); the schema states it as a pattern."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        bad = control_characters(text)
        if bad:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
            raise serializers.ValidationError(
                f"Remove the control characters ({codes}); only tabs and line breaks are allowed."
            )
        return text


class TextFieldExtension(OpenApiSerializerFieldExtension):
    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = TEXT_PATTERN
        return schema


def _json_type_error(field, value) -> str | dict | None:
    """What is wrong with the JSON type of `value` for `field`, or None. The API's
    schema gives each field one JSON type; a value of another type is refused, not
    coerced (no "1" for 1, no 0 for false)."""
    if value is None:
        return None  # the field's own allow_null decides
    if isinstance(field, serializers.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(field, serializers.IntegerField):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(field, serializers.DecimalField | serializers.FloatField):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Expected a list."
        for item in value:
            problem = _json_type_error(field.child, item)
            if problem:
                return problem
        return None
    elif isinstance(field, serializers.DictField):
        if not isinstance(value, dict):
            return "Expected an object."
        problems = {}
        for key, item in value.items():
            problem = _json_type_error(field.child, item)
            if problem:
                problems[key] = [problem]
        return problems or None
    elif isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.DateField
        | serializers.RelatedField,
    ):
        ok = isinstance(value, str)
    else:
        return None
    if ok:
        return None
    expected = {
        serializers.BooleanField: "true or false",
        serializers.IntegerField: "a whole number",
    }
    for kind, words in expected.items():
        if isinstance(field, kind):
            return f"Expected {words}."
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        return "Expected a number."
    return "Expected a string."


class JsonInputSerializer(serializers.Serializer):
    """A request body read as JSON with the types its schema states: every given
    field must have its JSON type (see `_json_type_error`)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                problem = _json_type_error(field, data[name])
                if problem:
                    errors[name] = problem if isinstance(problem, dict) else [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
