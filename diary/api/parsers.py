"""The API's JSON parser: DRF's, bounded. The body is read within
DATA_UPLOAD_MAX_MEMORY_SIZE (a larger one is a 413, diary.api.errors), and JSON nested
deeper than any record of the trial (or so deep Python's parser gives up) is a 400
in the API's error format, never a 500."""

import codecs
import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# The deepest request of the API nests three levels (a screening's answers); this
# leaves room and keeps every later step (validation, error messages) shallow.
MAX_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


# JSON is Unicode text (RFC 8259); a charset naming anything else (a codec such as
# rot13 or zlib, or none at all) is refused.
UNICODE_CODECS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"})


def _unicode_codec(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in UNICODE_CODECS | {"utf-32-le", "utf-32-be"}
    except LookupError:
        return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if not _unicode_codec(encoding):
            raise ParseError(f"JSON parse error - the charset {encoding!r} is not UTF-8.")
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(decoded, parse_constant=strict_constant if self.strict else None)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if _too_deep(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels.")
        return data
