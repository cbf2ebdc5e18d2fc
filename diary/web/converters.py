"""Path converters of the web app's URLs: a diary phase, and an identifier in its
declared format (so that every stored id has a URL and nothing else has one)."""

from django.urls import register_converter

from diary.declarations import IDENTIFIER
from diary.models import Phase


class PhaseConverter:
    regex = "|".join(Phase.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IdentifierConverter:
    """A participant's or a record's id in its declared format."""

    regex = IDENTIFIER

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PhaseConverter, "phase")
register_converter(IdentifierConverter, "id")
