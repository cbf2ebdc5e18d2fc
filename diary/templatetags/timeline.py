"""The participant page's table of diary weeks, built in Python as the call queue's
rows are (diary.templatetags.call_queue): a row of template nodes, with its five
query marks, costs several times its markup built with format_html. The values are
written by the filters the template used (date, floatformat), so they read the same."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from diary.templatetags.datamgmt import query_mark

register = template.Library()

ROW = (
    '<tr class="{}">\n'
    '    <th scope="row" data-label="Week">Week {}</th>\n'
    '    <td data-label="Due">{} ({} – {})</td>\n'
    '    <td data-label="Status"><span class="status {}">{}</span>{}</td>\n'
    '    <td data-label="Attempts" class="num">{}</td>\n'
    '    <td data-label="Call date">{}{}{}</td>\n'
    '    <td data-label="Cramps" class="num">{}{}</td>\n'
    '    <td data-label="Duration (min)" class="num">{}{}</td>\n'
    '    <td data-label="Severity" class="num">{}{}</td>{}{}\n'
    "  </tr>\n"
)
NOT_REACHED = format_html(' <span class="muted">{}</span>', "(not reached)")
OUTSIDE = format_html(' <span class="flag">{}</span>', "outside the window")


@register.simple_tag(takes_context=True)
def week_rows(context, entries, capsules: bool) -> str:
    """A <tr> per diary week (timeline.WeekEntry): week, due date and window, status,
    attempts, call date, the week's values with their query marks, and for staff who
    enter data the link to enter or correct the week's call."""
    participant = context["participant"]
    queried = context.get("queried")
    can_enter_data = context.get("can_enter_data")

    def cells(entry):
        week = entry.diary_week

        def mark(field: str):
            return query_mark(queried, "diary", week.pk, field)

        capsule_cell = ""
        if capsules:
            missed = week.capsules_missed if week.capsules_missed is not None else "—"
            capsule_cell = format_html(
                '\n    <td data-label="Capsules missed" class="num">{}{}</td>',
                missed,
                mark("capsules_missed"),
            )
        action_cell = ""
        if can_enter_data:
            link = ""
            if not participant.withdrawn_on or entry.status == "recorded":
                link = format_html(
                    '<a href="{}">{}<span class="vh"> week {}</span></a>',
                    reverse(
                        "diary:week_call",
                        args=(participant.participant_id, entry.phase, entry.week),
                    ),
                    "Correct" if week.reached else "Enter",
                    entry.week,
                )
            action_cell = format_html('\n    <td data-label="Action">{}</td>', link)
        return (
            entry.status,
            entry.week,
            date_filter(week.due_date, "j M Y"),
            date_filter(entry.window_start, "j M"),
            date_filter(entry.window_end, "j M"),
            entry.status,
            entry.status_label,
            NOT_REACHED if week.reached is False else "",
            week.attempts,
            date_filter(week.call_date, "j M Y") or "—",
            OUTSIDE if entry.out_of_window else "",
            mark("call_date"),
            week.cramps if week.reached else "—",
            mark("cramps"),
            floatformat(week.duration_min, "-2") or "—",
            mark("duration_min"),
            floatformat(week.severity, "-2") or "—",
            mark("severity"),
            capsule_cell,
            action_cell,
        )

    return format_html_join("  ", ROW, (cells(entry) for entry in entries))
