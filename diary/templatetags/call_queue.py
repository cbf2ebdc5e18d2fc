"""The call queue's table rows, built in Python as the admin builds its change list's
rows (django.contrib.admin.templatetags.admin_list.items_for_result): a page holds up
to three times twenty rows, and a row of template nodes costs several times its
markup built with format_html."""

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join

from diary.selectors.calls import CallRow

register = template.Library()

ROW = (
    '<tr class="{}">\n'
    '      <td data-label="Participant"><a href="{}" aria-label="Call {}: {} week {}">Call {}</a>'
    "</td>\n"
    '      <td data-label="Site">{}</td>\n'
    '      <td data-label="Week">{} week {}</td>\n'
    '      <td data-label="Due">{}</td>\n'
    '      <td data-label="Window">{} – {}</td>\n'
    '      <td data-label="Attempts" class="num">{}</td>\n'
    '      <td data-label="Last attempt">{}</td>\n'
    '      <td data-label="Phone">{}</td>\n'
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

    def cells(row: CallRow):
        label = row.phase_label
        phone = (
            format_html('<a href="tel:{}">{}</a>', row.phone.replace(" ", ""), row.phone)
            if row.phone
            else "—"
        )
        return (
            css_class,
            reverse("diary:week_call", args=(row.participant_id, row.phase, row.week)),
            row.participant_id,
            label,
            row.week,
            row.participant_id,
            row.site_code,
            label,
            row.week,
            day(row.due_date, "D j M Y"),
            day(row.window_start, "j M"),
            day(row.window_end, "j M"),
            row.attempts,
            day(row.last_call_date, "j M"),
            phone,
        )

    return format_html_join("    ", ROW, (cells(row) for row in rows))
