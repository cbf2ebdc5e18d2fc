"""The audit trail of rows written in bulk: one INSERT ... SELECT per table writes
a 'created' history row for every row the queryset selects, whatever their number."""

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import CharField, DateTimeField, IntegerField, QuerySet, Value
from django.utils import timezone


def history_bulk_create(queryset: QuerySet, *, by_user=None, reason: str = "", when=None) -> int:
    """Record the creation of every row of `queryset` in its simple_history table."""
    model = queryset.model
    history_model = model.history.model
    own = {f.attname for f in model._meta.concrete_fields}
    stamps = {
        "history_date": Value(when or timezone.now(), output_field=DateTimeField()),
        "history_type": Value("+", output_field=CharField()),
        "history_user_id": Value(getattr(by_user, "pk", None), output_field=IntegerField()),
        "history_change_reason": Value(reason[:100] or None, output_field=CharField()),
    }
    copied, stamped = [], []
    for field in history_model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in stamps:
            stamped.append(field)
        elif field.attname in own:
            copied.append(field)
        else:
            raise ImproperlyConfigured(f"{history_model.__name__}.{field.attname} has no source")
    # values_list selects the model's columns first, then the annotations, in order.
    annotations = {f"stamp_{f.attname}": stamps[f.attname] for f in stamped}
    select = (
        queryset.order_by()
        .annotate(**annotations)
        .values_list(*[f.attname for f in copied], *annotations)
    )
    sql, params = select.query.sql_with_params()
    connection = connections[router.db_for_write(history_model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (*copied, *stamped))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history_model._meta.db_table)} ({columns}) {sql}",  # noqa: S608
            params,
        )
        return cursor.rowcount
