"""The participant page's table of diary weeks, built in Python as the call queue's
rows are (diary.templatetags.call_queue): a row of template nodes, with its five
query marks, costs several times its markup built with format_html. The values are
written by the filters the template used (date, floatformat), so they read the same."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from diary.templatetags.datamgmt import query_mark

register = template.Library()

ROW = (
    '<tr class="{}">\n'
    '    <th scope="row" data-label="{}">{}</th>\n'
    '    <td data-label="{}">{} ({} – {})</td>\n'
    '    <td data-label="{}"><span class="status {}">{}</span>{}</td>\n'
    '    <td data-label="{}" class="num">{}</td>\n'
    '    <td data-label="{}">{}{}{}</td>\n'
    '    <td data-label="{}" class="num">{}{}</td>\n'
    '    <td data-label="{}" class="num">{}{}</td>\n'
    '    <td data-label="{}" class="num">{}{}</td>{}{}\n'
    "  </tr>\n"
)


@register.simple_tag(takes_context=True)
def week_rows(context, entries, capsules: bool) -> str:
    """A <tr> per diary week (timeline.WeekEntry): week, due date and window, status,
    attempts, call date, the week's values with their query marks, and for staff who
    enter data the link to enter or correct the week's call."""
    participant = context["participant"]
    queried = context.get("queried")
    can_enter_data = context.get("can_enter_data")
    header = {
        "week": gettext("Week"),
        "due": gettext("Due"),
        "status": gettext("Status"),
        "attempts": gettext("Attempts"),
        "call_date": gettext("Call date"),
        "cramps": gettext("Cramps"),
        "duration": gettext("Duration (min)"),
        "severity": gettext("Severity"),
    }
    long_date, short_date = gettext("j M Y"), gettext("j M")
    not_reached = format_html(' <span class="muted">{}</span>', gettext("(not reached)"))
    outside = format_html(' <span class="flag">{}</span>', gettext("outside the window"))

    def cells(entry):
        week = entry.diary_week

        def mark(field: str):
            return query_mark(queried, "diary", week.pk, field)

        capsule_cell = ""
        if capsules:
            missed = week.capsules_missed if week.capsules_missed is not None else "—"
            capsule_cell = format_html(
                '\n    <td data-label="{}" class="num">{}{}</td>',
                gettext("Capsules missed"),
                missed,
                mark("capsules_missed"),
            )
        action_cell = ""
        if can_enter_data:
            link = ""
            if not participant.withdrawn_on or entry.status == "recorded":
                link = format_html(
                    '<a href="{}">{}<span class="vh"> {}</span></a>',
                    reverse(
                        "diary:week_call",
                        args=(participant.participant_id, entry.phase, entry.week),
                    ),
                    gettext("Correct") if week.reached else gettext("Enter"),
                    gettext("week %(week)s") % {"week": entry.week},
                )
            action_cell = format_html('\n    <td data-label="{}">{}</td>', gettext("Action"), link)
        return (
            entry.status,
            header["week"],
            gettext("Week %(week)s") % {"week": entry.week},
            header["due"],
            date_filter(week.due_date, long_date),
            date_filter(entry.window_start, short_date),
            date_filter(entry.window_end, short_date),
            header["status"],
            entry.status,
            entry.status_label,
            not_reached if week.reached is False else "",
            header["attempts"],
            week.attempts,
            header["call_date"],
            date_filter(week.call_date, long_date) or "—",
            outside if entry.out_of_window else "",
            mark("call_date"),
            header["cramps"],
            week.cramps if week.reached else "—",
            mark("cramps"),
            header["duration"],
            floatformat(week.duration_min, "-2") or "—",
            mark("duration_min"),
            header["severity"],
            floatformat(week.severity, "-2") or "—",
            mark("severity"),
            capsule_cell,
            action_cell,
        )

    return format_html_join("  ", ROW, (cells(entry) for entry in entries))
