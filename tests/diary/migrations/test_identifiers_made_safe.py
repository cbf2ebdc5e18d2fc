"""Identifiers stored before they had a declared format (a slash, a space, too long)
are rewritten by the migration that adds the format, each with a history row that
keeps the old value; every stored id then has a URL."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

BEFORE = [("diary", "0007_call_queue_index")]
AFTER = [("diary", "0008_declarations_version_treatment_stop")]


@pytest.mark.django_db(transaction=True)
def test_unsafe_identifiers_are_rewritten_with_their_history():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    trial = apps.get_model("diary", "Trial").objects.create(code="T", title="T")
    site = apps.get_model("diary", "Site").objects.create(trial=trial, code="C1", name="C1")
    screening = apps.get_model("diary", "ScreeningRecord").objects.create(
        trial=trial,
        site=site,
        screening_id="S 1",
        screened_on=date(2023, 1, 2),
        sex="F",
        age=70,
        outcome="enrolled",
        eligible=True,
    )
    participant = apps.get_model("diary", "Participant").objects.create(
        trial=trial,
        site=site,
        screening=screening,
        participant_id="C1/../../admin",
        consented_on=date(2023, 1, 2),
        sex="F",
        age=70,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Participant = apps.get_model("diary", "Participant")
    renamed = Participant.objects.get(pk=participant.pk)
    assert renamed.participant_id == "C1-admin"
    assert apps.get_model("diary", "ScreeningRecord").objects.get().screening_id == "S-1"
    reverse("diary:participant", args=[renamed.participant_id])
    history = apps.get_model("diary", "HistoricalParticipant").objects.get(id=participant.pk)
    assert "'C1/../../admin'" in history.history_change_reason

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
