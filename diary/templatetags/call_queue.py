"""The call queue's table rows, built in Python as the admin builds its change list's
rows (django.contrib.admin.templatetags.admin_list.items_for_result): a page holds up
to three times twenty rows, and a row of template nodes costs several times its
markup built with format_html."""

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from diary.labels import week_label
from diary.selectors.calls import CallRow

register = template.Library()

ROW = (
    '<tr class="{}">\n'
    '      <td data-label="{}"><a href="{}" aria-label="{}">{}</a>'
    "</td>\n"
    '      <td data-label="{}">{}</td>\n'
    '      <td data-label="{}">{}</td>\n'
    '      <td data-label="{}">{}</td>\n'
    '      <td data-label="{}">{} – {}</td>\n'
    '      <td data-label="{}" class="num">{}</td>\n'
    '      <td data-label="{}">{}</td>\n'
    '      <td data-label="{}">{}</td>\n'
    "    </tr>\n"
)


@register.simple_tag
def call_rows(rows: Iterable[CallRow], css_class: str) -> str:
    """The <tr> of each call: the link to the call form, site, week, due date and
    window, attempts, last attempt and the phone number to dial. Dates are written as
    the `date` filter writes them, each date once per table."""
    dates: dict[tuple, str] = {}

    def day(value, fmt: str) -> str:
        if value is None:
            return "—"
        key = (value, fmt)
        if key not in dates:
            dates[key] = formats.date_format(value, fmt)
        return dates[key]

    headers = [
        gettext("Participant"),
        gettext("Site"),
        gettext("Week"),
        gettext("Due"),
        gettext("Window"),
        gettext("Attempts"),
        gettext("Last attempt"),
        gettext("Phone"),
    ]
    weeks: dict[tuple, str] = {}
    formats_shown = {"day": gettext("D j M Y"), "short": gettext("j M")}

    def cells(row: CallRow):
        key = (row.phase, row.week)
        if key not in weeks:
            weeks[key] = week_label(row.phase, row.week)
        week = weeks[key]
        phone = (
            format_html('<a href="tel:{}">{}</a>', row.phone.replace(" ", ""), row.phone)
            if row.phone
            else "—"
        )
        return (
            css_class,
            headers[0],
            reverse("diary:week_call", args=(row.participant_id, row.phase, row.week)),
            gettext("Call %(participant)s: %(week)s")
            % {"participant": row.participant_id, "week": week},
            gettext("Call %(participant)s") % {"participant": row.participant_id},
            headers[1],
            row.site_code,
            headers[2],
            week,
            headers[3],
            day(row.due_date, formats_shown["day"]),
            headers[4],
            day(row.window_start, formats_shown["short"]),
            day(row.window_end, formats_shown["short"]),
            headers[5],
            row.attempts,
            headers[6],
            day(row.last_call_date, formats_shown["short"]),
            headers[7],
            phone,
        )

    return format_html_join("    ", ROW, (cells(row) for row in rows))
