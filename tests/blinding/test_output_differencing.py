"""The differential blinding test beyond reports: the exports, the progress report (its
stored files and its email) and every API list a blinded role can reach.

Before the database lock each blinded role takes every such output, one participant
changes through the services (an adverse event, a withdrawal, a corrected diary
value), the role takes them again, and every value that differs is located. Nothing
that changed may belong to a group or compare groups. It runs for a participant of
each arm. (Reports: test_report_differencing.py, from which the trial comes.)
"""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from diary.api.urls import router
from diary.models import ExportRun
from diary.services.exports import export_build, export_request
from diary.services.progress import progress_report_scheduled
from tests.blinding.outputs import changed, file_cells, split_by_group
from tests.blinding.test_report_differencing import (
    CHANGES,
    CODES,
    LABELS,
    RANDOMIZED_ON,
    _change,
    _one_of_each_arm,
)
from tests.factories import make_user

BLINDED_ROLES = ["research_assistant", "coordinator", "investigator", "monitor", "statistician"]
EXPORT_ROLES = {"coordinator", "statistician"}
# The API's lists and summaries beside the router's (diary/api/urls.py).
API_VIEWS = [
    "/api/me/",
    "/api/trial/",
    "/api/calls-due/",
    "/api/query-counts/",
    "/api/sdv-progress/",
]
READABLE = (".json", ".html", ".xlsx", ".zip")


def _api(user) -> dict[str, bytes]:
    """Every list of the router and every summary view the user may read, as JSON."""
    client = APIClient()
    client.force_authenticate(user=user)
    urls = [f"/api/{prefix}/" for prefix, _, _ in router.registry] + API_VIEWS
    outputs = {}
    on = (RANDOMIZED_ON + timedelta(days=40)).isoformat()
    for url in urls:
        query = {"on_date": on} if url == "/api/calls-due/" else {}
        response = client.get(url, query)
        if response.status_code == 200:
            outputs[f"api{url.replace('/', '_')}.json"] = json.dumps(response.json()).encode()
        else:
            assert response.status_code in (403, 404), (url, response.status_code)
    return outputs


def _stored(client: Client, run: ExportRun, prefix: str) -> dict[str, bytes]:
    files = {}
    for stored in run.files.order_by("kind"):
        name = stored.file.name
        if not name.endswith(READABLE):
            continue  # SPSS, Stata, ODM: the same values as the CSV tables
        response = client.get(reverse("exports:file", args=[run.pk, stored.pk]))
        assert response.status_code == 200, name
        # The run's id and date are in the file name; its kind is what is compared.
        files[f"{prefix}-{stored.kind}.{name.rsplit('.', 1)[-1]}"] = b"".join(
            response.streaming_content
        )
    return files


def _outputs(role: str, user, period: int) -> dict[str, bytes]:
    outputs = _api(user)
    if role not in EXPORT_ROLES:
        return outputs
    client = Client()
    client.force_login(user)
    run = export_build(run=export_request(by_user=user))
    assert run.status == ExportRun.Status.DONE, run.error
    outputs |= _stored(client, run, "export")
    mail.outbox.clear()
    progress = progress_report_scheduled(
        schedule="differencing",
        period=f"p{period}",
        on_date=RANDOMIZED_ON + timedelta(days=40),
    )
    outputs |= _stored(client, progress, "progress")
    outputs["progress-email.json"] = json.dumps(
        [{"subject": m.subject, "body": m.body} for m in mail.outbox]
    ).encode()
    return outputs


def _split_changes(before: dict[str, bytes], after: dict[str, bytes]) -> list[tuple]:
    assert before.keys() == after.keys()
    found = []
    for name in sorted(before):
        cells_before, cells_after = file_cells(name, before[name]), file_cells(name, after[name])
        found += [
            (name, key)
            for key in changed(cells_before, cells_after)
            if split_by_group(key, CODES, LABELS)
        ]
    return found


@pytest.mark.parametrize("role", BLINDED_ROLES)
def test_no_output_of_a_blinded_role_splits_one_participants_change_by_group(
    trial_with_data, settings, role
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    trial, users = trial_with_data
    user = users.get(role) or make_user(role, *trial.sites.all())
    assert timezone.localdate() > RANDOMIZED_ON
    period = 0
    before = _outputs(role, user, period)
    assert any(name.startswith("api_") for name in before)
    if role in EXPORT_ROLES:
        assert "progress-email.json" in before
        assert any(name.startswith("export-") for name in before), sorted(before)
    problems, moved_any = [], False
    for arm, participant in _one_of_each_arm(trial).items():
        for kind in CHANGES:
            _change(kind, participant, users)
            period += 1
            after = _outputs(role, user, period)
            moved_any |= any(
                changed(file_cells(n, before[n]), file_cells(n, after[n])) for n in before
            )
            problems += [(arm, kind, *p) for p in _split_changes(before, after)]
            before = after
    assert moved_any, "no output changed: the test would see nothing"
    assert problems == [], "\n".join(map(str, problems[:30]))
