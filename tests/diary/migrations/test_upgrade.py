"""A database made before this version upgrades in place: identifiers stored before
they had a declared format (a slash, a space, too long) are rewritten, each with a
history row that keeps the old value (every stored id then has a URL); the
randomization list's blocks, strata and parameters are sealed like its arms."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

BEFORE = [("diary", "0007_call_queue_index")]
AFTER = [("diary", "0008_declarations_version_treatment_stop")]


@pytest.mark.django_db(transaction=True)
def test_an_older_database_is_upgraded_in_place():
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
    listing = apps.get_model("diary", "RandomizationList").objects.create(
        trial=trial,
        source="generated",
        parameters={"block_sizes": [2, 4], "stratify_by": ["site"]},
        sha256="0" * 64,
    )
    apps.get_model("diary", "ListEntry").objects.create(
        randomization_list=listing, bottle_number=1, arm_sealed="x", block=3, stratum="C1"
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
    from diary.models import ListEntry, RandomizationList

    entry = ListEntry.objects.get()
    assert (entry.block, entry.stratum) == (3, "C1")
    assert entry.stratum_key == RandomizationList.objects.get().stratum_key("C1")
    assert RandomizationList.objects.get().parameters["block_sizes"] == [2, 4]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM diary_listentry")
        # No cell holds the stratum in clear (a sealed token may hold "C1" by chance).
        assert "C1" not in {cell for row in cursor.fetchall() for cell in row}
