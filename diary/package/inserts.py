"""Rows written in bulk without model instances: on PostgreSQL one COPY ... FROM
STDIN per table, elsewhere one INSERT statement run with executemany per batch of
plain tuples. Each distinct value of a column is prepared for the database once
(dates, decimals), and the columns a row does not give take the field's default, as
bulk_create would (the time of the import for auto_now). Both run the table's
constraints and triggers, row by row, as an INSERT does."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from django.db import connections, models, router

BATCH = 2000
# Prepared values remembered per column (a diary's dates and decimals repeat).
PREPARED_KEPT = 50_000
# Columns whose Python values the database drivers take as they are.
_PLAIN = (
    models.IntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.ForeignKey,
)


def batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def rows_insert(
    model: type[models.Model],
    rows: Iterable[Sequence],
    *,
    fields: Sequence[str],
    now: datetime,
    batch_size: int = BATCH,
) -> int:
    """INSERT `rows` (tuples of Python values, in the order of `fields`, which are
    attribute names: `participant_id` for a foreign key) into `model`'s table;
    return how many were written. Every other column takes its default."""
    connection = connections[router.db_for_write(model)]
    given = {name: position for position, name in enumerate(fields)}
    columns, constants, prepared = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in given:
            continue
        position = given.pop(field.attname, None)
        columns.append(field.column)
        if position is None:
            constants.append((len(columns) - 1, _default(field, connection, now)))
        elif not isinstance(field, _PLAIN):
            prepared.append((position, _preparer(field, connection)))
    if given:
        raise ValueError(f"{model.__name__} has no fields {', '.join(given)}")
    width = len(fields)
    order = _column_order(model, fields, columns)

    def full_rows() -> Iterator[list]:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} values for {width} fields")
            values = list(row)
            for position, prepare in prepared:
                values[position] = prepare(values[position])
            full = [values[i] for i in order] if order else values
            for index, value in constants:
                full.insert(index, value)
            yield full

    quote = connection.ops.quote_name
    # Identifiers from the model's own metadata, quoted by the backend; values are
    # parameters (or COPY's data stream).
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY writes a large table many times faster than batched INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for full in full_rows():
                    copy.write_row(full)
                    count += 1
            return count
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # nosec B608
            table, names, ", ".join(["%s"] * len(columns))
        )
        for chunk in batches(full_rows(), batch_size):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _column_order(model, fields: Sequence[str], columns: list[str]) -> list[int] | None:
    """Positions of the given fields in the table's column order (None when the
    rows already follow it)."""
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    wanted = [by_attname[name] for name in fields]
    ordered = [c for c in columns if c in set(wanted)]
    order = [wanted.index(c) for c in ordered]
    return None if order == list(range(len(order))) else order


def _default(field: models.Field, connection, now: datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        value = field.get_default()
    return field.get_db_prep_save(value, connection)


def _preparer(field: models.Field, connection) -> Callable:
    prepared: dict = {}

    def prepare(value):
        try:
            return prepared[value]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return field.get_db_prep_save(value, connection)
        result = field.get_db_prep_save(value, connection)
        if len(prepared) < PREPARED_KEPT:
            prepared[value] = result
        return result

    return prepare
