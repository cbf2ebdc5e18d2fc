"""The call queue and the participant page read a constant number of queries: the
same with 25 participants as with 1,000."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Participant
from tests.diary.web.bulk import bulk_participants
from tests.diary.web.conftest import signed_in
from tests.factories import make_user

# The participant page also reads its casebook's state: signature, lock, queried values, and
# the verification marks and casebook events its timeline shows.
MAX_QUERIES = 20
PARTS = ("due", "overdue", "coming_up")


def queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("role", ["research_assistant", "coordinator"])
def test_call_queue_and_participant_page_queries_do_not_grow(trial, site_c1, today, role):
    client = signed_in(make_user(role, *([site_c1] if role == "research_assistant" else [])))
    bulk_participants(trial, count=25, today=today)
    first = Participant.objects.filter(site=site_c1).order_by("pk").first()
    queue_url = reverse("diary:calls")
    page_url = reverse("diary:participant", args=[first.participant_id])
    queue_small, small_response = queries(client, queue_url)
    # Every part of the queue has rows already, so each reads its page.
    assert all(len(getattr(small_response.context["queue"], part)) for part in PARTS)
    page_small, _ = queries(client, page_url)

    bulk_participants(trial, count=975, today=today, start=26)
    assert Participant.objects.count() == 1000
    queue_large, large_response = queries(client, queue_url)
    page_large, _ = queries(client, page_url)

    assert len(large_response.context["queue"]) > 10 * len(small_response.context["queue"]) > 0
    assert queue_large == queue_small <= MAX_QUERIES
    assert page_large == page_small <= MAX_QUERIES
