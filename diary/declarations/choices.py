"""The answer lists of the clinical records (stored value, label)."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class ScreeningOutcome(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    NOT_MEETING_INCLUSION = "not_meeting_inclusion", "Did not meet inclusion criteria"
    MEETING_EXCLUSION = "meeting_exclusion", "Met exclusion criteria"
    DECLINED = "declined", "Declined to participate"


class Phase(models.TextChoices):
    SCREENING = "screening", "Screening diary"
    INTERVENTION = "intervention", "Intervention"


class Grade(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class NightSource(models.TextChoices):
    PARTICIPANT = "participant", "Participant (electronic diary)"
    STAFF = "staff", "Staff, as the participant told them"


class WeekSource(models.TextChoices):
    PHONE = "phone", "Told at the call (paper diary)"
    DIARY = "diary", "Electronic diary, confirmed at the call"
    CORRECTED = "corrected", "Electronic diary, corrected at the call"
