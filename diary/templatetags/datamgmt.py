"""Marks of data management in the pages: a queried value, the site's open queries."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from diary.roles import QUERY_ANSWERING_ROLES, role_of
from diary.selectors.datamgmt import open_queries_for, value_key

register = template.Library()

PANEL_ROWS = 10


@register.simple_tag
def query_mark(queried, record: str, object_id, field: str):
    """A flag after a value with unresolved queries, linking to them."""
    if not queried:
        return ""
    found = queried.get(value_key(record, object_id, field))
    if not found:
        return ""
    links = format_html_join(
        " ",
        '<a class="query-mark {}" href="{}" title="{}">? <span class="vh">{}</span></a>',
        (
            (
                q.state,
                reverse("diary:query", args=[q.query_id]),
                gettext("Query %(number)s: %(text)s")
                % {"number": q.query_id, "text": q.text[:120]},
                gettext("Query %(number)s (%(state)s)")
                % {"number": q.query_id, "state": q.state_label},
            )
            for q in found
        ),
    )
    return links


@register.inclusion_tag("datamgmt/_open_queries.html", takes_context=True)
def open_queries_panel(context):
    """The open queries of the user's sites waiting for an answer (site staff)."""
    user = context["request"].user
    if role_of(user) not in QUERY_ANSWERING_ROLES:
        return {"show": False}
    queries = open_queries_for(user)
    rows = list(queries[:PANEL_ROWS])
    # Fewer rows than the panel holds are all of them: counted without a query.
    count = len(rows) if len(rows) < PANEL_ROWS else queries.count()
    return {"show": True, "rows": rows, "count": count}


@register.simple_tag
def verified_mark(value):
    if not value.verified:
        return ""
    return format_html(
        '<span class="sdv-mark" title="{}">✓<span class="vh"> {}</span></span>',
        gettext("Verified by %(user)s") % {"user": value.verified_by},
        gettext("verified"),
    )
