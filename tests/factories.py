"""Factories for the trial's records, built through the app's services where a
service owns the rule (trial configuration, enrolment)."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from diary.models import Participant, ScreeningRecord, Site, Trial
from diary.presets import PRESETS
from diary.services.screening import Consent, screening_record_create
from diary.services.trial import trial_create
from diary.services.users import user_upsert


def make_trial(preset: str = "vitk2-nlc-2024", **overrides) -> Trial:
    spec = {**PRESETS[preset], **overrides}
    return trial_create(**spec)


def make_user(role: str, *sites: Site | str, username: str | None = None):
    codes = [s.code if isinstance(s, Site) else s for s in sites]
    return user_upsert(
        username=username or f"{role}-{'-'.join(codes) or 'all'}",
        role=role,
        site_codes=codes,
        password="a-long-test-password",
        check_password=False,
    )


def eligible_answers(trial: Trial) -> dict[str, bool]:
    """Answers that make a candidate eligible: yes to inclusion, no to exclusion."""
    return {c.code: c.kind == "inclusion" for c in trial.criteria.all()}


class _Seq:
    n = 0

    @classmethod
    def next(cls) -> int:
        cls.n += 1
        return cls.n


def enrol(
    trial: Trial,
    site: Site | None = None,
    *,
    screened_on: date = date(2023, 1, 2),
    consented_on: date | None = None,
    participant_id: str | None = None,
    age: int = 70,
    sex: str = "F",
    by_user=None,
    **baseline,
) -> Participant:
    """Screen an eligible candidate and enrol them; return the participant."""
    site = site or trial.sites.order_by("code").first()
    n = _Seq.next()
    record = screening_record_create(
        trial=trial,
        site=site,
        screening_id=f"S{n:05d}",
        screened_on=screened_on,
        sex=sex,
        age=age,
        answers=eligible_answers(trial),
        consent=Consent(
            participant_id=participant_id or f"{site.code}-{n:04d}",
            consented_on=consented_on or screened_on,
            consent_form_version="v1.0",
            phone="+44 20 7946 0000",
        ),
        by_user=by_user,
    )
    participant = record.participant
    if baseline:
        Participant.objects.filter(pk=participant.pk).update(**baseline)
        participant.refresh_from_db()
    return participant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")


__all__ = [
    "ScreeningRecord",
    "UserFactory",
    "enrol",
    "eligible_answers",
    "make_trial",
    "make_user",
]
