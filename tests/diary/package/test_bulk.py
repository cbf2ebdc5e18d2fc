"""A large package is imported in bulk: the number of SQL queries grows by one per
INSERT batch, never by one per row."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary.models import DiaryWeek, Participant
from diary.services.package_import import BATCH, package_import
from tests.diary.package.builders import write_synthetic_package

pytestmark = pytest.mark.django_db

# Queries that do not depend on the package's size: creating the trial, its arms,
# sites, weeks and list, lookups of the keys just created, the history INSERTs.
FIXED = 60


def _inserts(model, rows: int) -> int:
    """INSERT statements bulk_create needs for `rows` rows in calls of BATCH rows:
    the database may cap a statement's rows (SQLite: 999 parameters)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    per_statement = min(BATCH, connection.ops.bulk_batch_size(fields, [None] * BATCH))
    full, rest = divmod(rows, BATCH)
    return full * math.ceil(BATCH / per_statement) + math.ceil(rest / per_statement)


def test_twenty_thousand_diary_rows_import_with_queries_per_batch_not_per_row(tmp_path):
    counts = write_synthetic_package(tmp_path / "pkg", participants=2000)
    assert counts["diary.csv"] == 20_000

    with CaptureQueriesContext(connection) as queries:
        result = package_import(path=tmp_path / "pkg")

    assert result.rows["diary.csv"] == DiaryWeek.objects.count() == 20_000
    assert Participant.objects.count() == 2000
    per_row_tables = (
        _inserts(DiaryWeek, 20_000)
        + 3 * _inserts(Participant, 2200)  # screening, participants, allocations
        + _inserts(Participant, 2000)  # list entries
    )
    assert len(queries) <= FIXED + per_row_tables
    # Far from one query per row on any database.
    assert len(queries) < 20_000 / 20
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    history = [q for q in inserts if "historicaldiaryweek" in q]
    assert len(history) == 1  # the whole audit trail of the diary in one statement
