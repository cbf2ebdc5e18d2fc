"""The answer lists of the clinical records (stored value, label)."""

from django.db import models
from django.utils.translation import gettext_noop as _

# The labels are plain English (exports, codebook and API keep them); staff pages
# translate them where they show them.


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class ScreeningOutcome(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    NOT_MEETING_INCLUSION = "not_meeting_inclusion", _("Did not meet inclusion criteria")
    MEETING_EXCLUSION = "meeting_exclusion", _("Met exclusion criteria")
    DECLINED = "declined", _("Declined to participate")


class Phase(models.TextChoices):
    SCREENING = "screening", _("Screening diary")
    INTERVENTION = "intervention", _("Intervention")


class Grade(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", _("Unrelated")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")


class NightSource(models.TextChoices):
    PARTICIPANT = "participant", _("Participant (electronic diary)")
    STAFF = "staff", _("Staff, as the participant told them")


class WeekSource(models.TextChoices):
    PHONE = "phone", _("Told at the call (paper diary)")
    DIARY = "diary", _("Electronic diary, confirmed at the call")
    CORRECTED = "corrected", _("Electronic diary, corrected at the call")
