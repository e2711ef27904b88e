"""Gap-free numbers people quote (case 1042, RMA-000007), one named sequence each."""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from vafa.core.models import Counter


def counter_next(name: str) -> int:
    """Take the next number of sequence `name`; call inside the transaction that uses it."""
    # One statement that increments and reads back (SQLite 3.35+ and PostgreSQL both have RETURNING);
    # the row lock it takes serialises concurrent takers, and a rollback gives the number back.
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    Counter.objects.get_or_create(name=name)
    Counter.objects.filter(name=name).update(value=F("value") + 1)
    return Counter.objects.values_list("value", flat=True).get(name=name)
