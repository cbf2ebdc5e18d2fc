"""Prepare the schemathesis server's database: migrate, load the reference trial and
some data at both sites, and print a coordinator's API token.

Run as `python -m tests.api.seed` with DJANGO_SETTINGS_MODULE and DATABASE_URL set.
"""

from datetime import date, timedelta


def main() -> None:
    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.core.files.base import ContentFile

    from analysis.models import Report, ReportFile
    from diary.services.adverse_events import adverse_event_record
    from diary.services.randomization import participant_randomize
    from tests.factories import enrol, make_list, make_trial, make_user, ready_to_randomize

    trial = make_trial()
    coordinator = make_user("coordinator", username="api-coordinator")
    make_list(trial)
    for site in trial.sites.order_by("code"):
        enrol(trial, site, participant_id=f"{site.code}-001")
        for n in (2, 3):
            participant = ready_to_randomize(trial, site, participant_id=f"{site.code}-00{n}")
            if n == 2:
                participant_randomize(
                    participant=participant, by_user=None, randomized_on=date(2023, 1, 20)
                )
                adverse_event_record(
                    participant=participant,
                    onset_on=date(2023, 1, 25),
                    term="Headache",
                    serious=False,
                    grade="mild",
                    relatedness="unlikely",
                    by_user=coordinator,
                )
    # A participant who keeps the electronic diary now, so that the diary API under
    # their link (/api/diary/<token>/nights/) is exercised with a live link.
    from django.utils import timezone

    from diary.services.diary_links import diary_link_issue

    today = timezone.localdate()
    keeper = ready_to_randomize(
        trial,
        trial.sites.order_by("code").first(),
        participant_id="C1-010",
        screened_on=today - timedelta(days=20),
    )
    participant_randomize(participant=keeper, by_user=None, randomized_on=today - timedelta(days=5))
    diary_token = diary_link_issue(participant=keeper, by_user=None)[1]
    for status in ("done", "failed"):
        report = Report.objects.create(
            trial=trial,
            parameters={"imputation": "arm_week_mean", "blinded": True, "formats": ["json"]},
            requested_by=coordinator,
            status=status,
        )
        if status == "done":
            content = b'{"report": "stored"}'
            report_file = ReportFile(report=report, kind="json", sha256="0" * 64, size=len(content))
            report_file.file.save(f"itt-report-{report.pk}.json", ContentFile(content))
    from diary.services.api_tokens import api_token_create

    print(f"diary-token {diary_token}")
    print(api_token_create(user=coordinator)[1])


if __name__ == "__main__":
    main()
