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
        email_required=False,
        via="tests",
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


def screening_diary_complete(participant: Participant, *, cramps=None, by_user=None) -> None:
    """Record every screening-diary week as reached (1 cramp a week unless `cramps`
    gives each week's count), each call on the week's due date."""
    from diary.services.calls import weekly_call_record

    weeks = participant.diary_weeks.filter(protocol_week__phase="screening").select_related(
        "protocol_week"
    )
    for week in weeks.order_by("protocol_week__week"):
        n = 1 if cramps is None else cramps[week.protocol_week.week - 1]
        weekly_call_record(
            diary_week=week,
            reached=True,
            call_date=week.due_date,
            cramps=n,
            duration_min="2.5" if n else None,
            severity="5" if n else None,
            by_user=by_user,
        )


def ready_to_randomize(trial: Trial, site: Site | None = None, **kwargs) -> Participant:
    """An enrolled participant with a complete screening diary (2 cramps or more)."""
    participant = enrol(trial, site, **kwargs)
    screening_diary_complete(participant, cramps=[2] * trial.screening_weeks)
    return participant


def make_list(trial: Trial, *, bottles_per_stratum: int = 40, spares: int = 6, **kwargs):
    """A generated randomization list (permuted blocks of one and two times the ratio's
    total by default: 2 and 4 for 1:1)."""
    from diary.services.randomization_list import randomization_list_generate

    ratio = sum(trial.arms.values_list("ratio", flat=True))
    kwargs.setdefault("block_sizes", (ratio, 2 * ratio))
    kwargs.setdefault("seed", 20240101)
    return randomization_list_generate(
        trial=trial,
        bottles_per_stratum=bottles_per_stratum,
        spares=spares,
        by_user=None,
        **kwargs,
    )


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
    "make_list",
    "make_user",
    "ready_to_randomize",
    "screening_diary_complete",
]
