"""Labels of the clinical records as staff read them, in the active language.

The declarations (diary.declarations) and the models keep their labels in plain
English: exports, the codebook, the API and the signed casebook content read them as
they are. Their msgids are marked with gettext_noop; the pages translate them here
(or with `{% translate value %}`) when they show them.
"""

from django.utils.translation import gettext


def translated(text) -> str:
    """A label marked with gettext_noop, in the active language ("" stays "")."""
    return gettext(str(text)) if text else ""


def week_label(phase: str, week) -> str:
    """ "Intervention week 3", in the active language."""
    from diary.declarations import Phase

    return gettext("%(phase)s week %(week)s") % {
        "phase": translated(Phase(phase).label),
        "week": week,
    }
