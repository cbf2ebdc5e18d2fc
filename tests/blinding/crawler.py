"""A crawler of the whole project for the blinding test.

It lists every URL pattern (walking the resolver, namespaces included), fills each
pattern's parameters with values of real objects, then follows every link, form
action, redirect and API URL it finds, and reports where any of the forbidden words
appears: in a body, a header (Content-Disposition included), or inside a zip/xlsx.
Pages added later are crawled without any change here.
"""

import html
import io
import itertools
import json
import re
import zipfile
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve
from django.utils.regex_helper import normalize

LINK = re.compile(r"""(?:href|src|action|data-url|hx-get)\s*=\s*["']([^"']+)["']""", re.I)
SKIP_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/admin/logout/")
# Variants of one route requested at most (different objects, filters, sort orders).
MAX_PER_ROUTE = 12
MAX_PER_QUERY = 3
MAX_VALUES_PER_PARAM = 8
MAX_URLS_PER_PATTERN = 12
APPS = ("diary", "analysis")


@dataclass(frozen=True)
class Pattern:
    format: str  # e.g. "allocation/participants/%(participant_id)s/replace/"
    params: tuple[str, ...]


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project as a format string with its parameter names."""
    found: set[Pattern] = set()

    def walk(resolver, prefix: str) -> None:
        for key in list(resolver.reverse_dict):
            for possibilities, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(
                key
            ):
                for fmt, params in possibilities:
                    found.add(Pattern(prefix + fmt, tuple(params)))
        for _namespace, (sub_prefix, sub) in resolver.namespace_dict.items():
            for fmt, _ in normalize(sub_prefix):
                walk(sub, prefix + fmt)

    walk(get_resolver(), "")
    return sorted(found, key=lambda p: p.format)


def _sample(queryset, field_name: str, n: int = 3) -> list:
    return [v for v in queryset.values_list(field_name, flat=True)[:n] if v not in (None, "")]


def _round_robin(groups: list[list]) -> list:
    out = []
    for row in itertools.zip_longest(*groups):
        out += [v for v in row if v is not None]
    return out


class Values:
    """Candidate values for URL parameters, taken from the objects in the database:
    first the model fields named like the parameter, then the primary keys of the
    models named like it, then foreign keys. Values containing a forbidden word are
    never used (a URL made from an arm code would be a leak of the test's making)."""

    def __init__(self, *, avoid: Iterable[str] = ()):
        self.models = [m for label in APPS for m in apps.get_app_config(label).get_models()] + [
            apps.get_model("auth", "User"),
            apps.get_model("auth", "Group"),
        ]
        self.avoid = [w.lower() for w in avoid]
        self._cache: dict[str, list] = {}

    def _fields(self, name: str, *, relations: bool) -> list[list]:
        groups = []
        for model in self.models:
            for f in model._meta.concrete_fields:
                if f.is_relation != relations or isinstance(f, models.JSONField):
                    continue
                if name in (f.name, f.attname):
                    groups.append(_sample(model.objects.order_by("pk"), f.attname))
        return groups

    def _by_model_name(self, stem: str) -> list[list]:
        return [
            _sample(model.objects.order_by("pk"), "pk")
            for model in self.models
            if stem in model._meta.model_name
        ]

    def _admin_values(self, name: str, fmt: str) -> list:
        admin_model = re.match(r"admin/(\w+)/(\w+)/", fmt)
        if not admin_model or name not in ("object_id", "history_id"):
            return []
        try:
            model = apps.get_model(admin_model.group(1), admin_model.group(2))
        except LookupError:
            return []
        if name == "object_id":
            return _sample(model.objects.order_by("pk"), "pk")
        if hasattr(model, "history"):
            return _sample(model.history.order_by("pk"), "history_id")
        return []

    def for_param(self, name: str, fmt: str) -> list[str]:
        key = f"{name}|{fmt}"
        if key not in self._cache:
            stem = re.sub(r"(_id|_pk)$", "", name)
            if stem in ("pk", "id", "object"):
                stem = ""
            values = self._admin_values(name, fmt)
            values += _round_robin(self._fields(name, relations=False))
            if name in ("pk", "id", "object_id") or stem != name:
                values += _round_robin(self._by_model_name(stem))
            values += _round_robin(self._fields(name, relations=True))
            if name == "app_label":
                values += [*APPS, "auth"]
            if name == "format":
                values += ["json"]
            values = [
                v
                for v in dict.fromkeys(str(v) for v in values)
                if not any(w in v.lower() for w in self.avoid)
            ]
            self._cache[key] = values[:MAX_VALUES_PER_PARAM] or ["1"]
        return self._cache[key]


def _spread(items: list, n: int) -> list:
    """At most n items, from both ends (the first and the last objects made)."""
    return items if len(items) <= n else items[: n // 2] + items[-(n - n // 2) :]


def _lookup(model, param: str) -> str | None:
    """How `model` can give a value for the URL parameter `param`: its own field of
    that name, the field of that name on the object a foreign key points to (a study
    id rather than a primary key), the foreign key's value, or its primary key when
    the parameter is named after the model."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    attnames = {f.attname: f for f in model._meta.concrete_fields}
    if param in fields and not fields[param].is_relation:
        return param
    if param in attnames and attnames[param].is_relation:
        fk = attnames[param]
        related = {f.name for f in fk.related_model._meta.concrete_fields}
        return f"{fk.name}__{param}" if param in related else param
    for f in model._meta.concrete_fields:
        if f.is_relation and f.many_to_one:
            related = {r.name: r for r in f.related_model._meta.concrete_fields}
            if param in related and not related[param].is_relation:
                return f"{f.name}__{param}"
    stem = re.sub(r"(_id|_pk)$", "", param)
    if stem != param and stem in model._meta.model_name:
        return "pk"
    return None


def real_combinations(pattern: Pattern, values: "Values", n: int) -> list[dict]:
    """Parameter values taken together from one object, for patterns with several
    parameters (a file of a report, a week of a participant, a history record)."""
    out: list[dict] = []
    admin_model = re.match(r"admin/(\w+)/(\w+)/", pattern.format)
    if admin_model and set(pattern.params) == {"object_id", "history_id"}:
        try:
            model = apps.get_model(admin_model.group(1), admin_model.group(2))
        except LookupError:
            return []
        if hasattr(model, "history"):
            rows = list(model.history.order_by("history_id").values_list("id", "history_id"))
            return [{"object_id": a, "history_id": b} for a, b in _spread(rows, n)]
        return []
    for model in values.models:
        paths = [_lookup(model, p) for p in pattern.params]
        options = [[path] for path in paths]
        for i, param in enumerate(pattern.params):
            if paths[i] is None and param in ("pk", "id"):
                # a parent's primary key, as in api/reports/<pk>/files/<file_id>/
                options[i] = [f.attname for f in model._meta.concrete_fields if f.many_to_one]
        if any(not o or o == [None] for o in options):
            continue
        for chosen in itertools.product(*options):
            rows = list(model.objects.order_by("pk").values_list(*chosen))
            out += [dict(zip(pattern.params, row, strict=True)) for row in _spread(rows, n)]
    return out


def seed_urls(patterns: Iterable[Pattern], values: Values) -> tuple[list[str], list[Pattern]]:
    """A URL for each pattern, parameters filled with real values; and the patterns no
    value combination resolves for."""
    urls, unfilled = [], []
    for pattern in patterns:
        choices = [values.for_param(p, pattern.format) for p in pattern.params]
        candidates = [
            dict(zip(pattern.params, c, strict=True)) for c in itertools.product(*choices)
        ]
        if len(pattern.params) > 1:
            candidates = real_combinations(pattern, values, MAX_URLS_PER_PATTERN) + candidates
        made = 0
        for combo in candidates:
            if any(w in str(v).lower() for v in combo.values() for w in values.avoid):
                continue
            url = "/" + pattern.format % {k: str(v) for k, v in combo.items()}
            try:
                resolve(url)
            except Resolver404:
                continue
            if url in urls:
                continue
            urls.append(url)
            made += 1
            if made >= MAX_URLS_PER_PATTERN:
                break
        if not made:
            unfilled.append(pattern)
    return urls, unfilled


@dataclass
class Leak:
    url: str
    where: str
    word: str


@dataclass
class CrawlResult:
    visited: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    leaks: list[Leak] = field(default_factory=list)
    routes: set[str] = field(default_factory=set)


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        # The test client closes the response when the content is consumed; closing
        # it again would close the test's database connection.
        return b"".join(response.streaming_content)
    return response.content


def _texts(data: bytes, where: str = "body") -> Iterable[tuple[str, str]]:
    """(where, text) of a body, including the members of zips (xlsx, packages), zips
    within zips too. Binary formats keep their strings as bytes (.sav, .dta)."""
    yield where, data.decode("utf-8", errors="replace")
    yield where + " (latin-1)", data.decode("latin-1")
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield f"zip member name {name}", name
                yield from _texts(archive.read(name), f"zip member {name}")


def _links(base: str, response, data: bytes) -> Iterable[str]:
    content_type = response.get("Content-Type", "")
    if response.status_code in (301, 302, 303, 307, 308) and response.get("Location"):
        yield urljoin(base, response["Location"])
    if "html" in content_type:
        for href in LINK.findall(data.decode("utf-8", errors="replace")):
            yield urljoin(base, href.replace("&amp;", "&"))
    elif "json" in content_type:
        try:
            document = json.loads(data)
        except ValueError:
            return
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack += item.values()
            elif isinstance(item, list):
                stack += item
            elif isinstance(item, str) and (item.startswith(("/", "http://testserver/"))):
                yield urljoin(base, item)


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, seeds: Iterable[str], words: Iterable[str], *, limit: int) -> CrawlResult:
    """Breadth-first GET of every reachable URL; every response searched for the words."""
    words = [w.lower() for w in words]
    result = CrawlResult()
    seeds = list(dict.fromkeys(seeds))
    queue = deque(seeds)
    seen = set(queue)
    always = set(seeds)  # every filled pattern is requested; links found are capped
    per_route: Counter = Counter()
    per_query: Counter = Counter()
    while queue and len(result.visited) < limit:
        url = queue.popleft()
        path, query = urlsplit(url).path, urlsplit(url).query
        try:
            route = resolve(path).route
        except Resolver404:
            route = path
        keys = "&".join(sorted(re.findall(r"([^?&=]+)=", query)))
        per_route[route] += 1
        per_query[(route, keys)] += 1
        capped = per_route[route] > MAX_PER_ROUTE or per_query[(route, keys)] > MAX_PER_QUERY
        if capped and url not in always:
            continue
        response = client.get(url)
        data = _content(response)
        result.visited.append(url)
        result.statuses[response.status_code] += 1
        result.routes.add(route)
        places = [(f"header {k}", f"{k}: {v}") for k, v in response.items()]
        places += [("url", unquote(url))]
        # The page's echo of the URL asked for (the language switch's "next") tells
        # nothing the asker did not know: it is searched as the url, not the body.
        echoes = {url.lower(), html.escape(url).lower(), unquote(url).lower()}
        places += list(_texts(data))
        for where, text in places:
            lowered = text.lower()
            if where != "url":
                for echo in echoes:
                    lowered = lowered.replace(echo, " ")
            for word in words:
                if word in lowered:
                    result.leaks.append(Leak(url, where, word))
        for link in _links("http://testserver" + url, response, data):
            local = _local(link)
            if local and local not in seen:
                seen.add(local)
                queue.append(local)
    return result
