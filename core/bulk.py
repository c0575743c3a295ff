"""Fast multi-row INSERTs for hot bulk paths (the harvester writes tens of thousands of rows a run).

`QuerySet.bulk_create` builds a model instance per row and prepares every field of every row, which
costs more than the insert itself at this volume. `insert_rows` takes plain dicts of the columns that
vary, fills every other column with its field's default once, adapts datetimes the way the backend
expects, and sends one `INSERT … VALUES (…), (…) RETURNING id` per chunk. It writes exactly what
`bulk_create` would (the tests compare), on SQLite and PostgreSQL alike. Use it only where the volume
calls for it: no signals, no `save()`, no validation — callers pass values already checked.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connection, models


@cache
def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _defaults(fields: list[models.Field[Any, Any]], given: Mapping[str, Any]) -> dict[str, Any]:
    """Each missing column's default, prepared once per call (a callable default is called once)."""
    return {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields if f.attname not in given}


def _default_for(field: models.Field[Any, Any]) -> Any:
    return field.get_db_prep_save(field.get_default(), connection)


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, returning: bool = False) -> list[int]:
    """Insert rows (attname → value; missing columns get their field default); the new ids if asked."""
    if not rows:
        return []
    fields = _fields(model)
    defaults = _defaults(fields, rows[0])
    adapt = connection.ops.adapt_datetimefield_value
    datetime_columns = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    if connection.vendor == "postgresql":
        return _insert_unnest(model, fields, defaults, rows, returning=returning)
    per_row = len(fields)
    max_params = connection.features.max_query_params or 30_000
    chunk = max(1, min(500, max_params // per_row))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                for f in fields:
                    name = f.attname
                    if name in row:
                        value = row[name]
                        if name in datetime_columns and isinstance(value, dt.datetime):
                            value = adapt(value)
                        params.append(value)
                    else:
                        params.append(defaults[name] if name in defaults else _default_for(f))
            placeholders = "(" + ", ".join(["%s"] * per_row) + ")"
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(part))}"  # noqa: S608
            if returning:
                sql += f" RETURNING {connection.ops.quote_name(str(model._meta.pk.column))}"  # type: ignore[union-attr]
            cursor.execute(sql, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def binary_cursor() -> Any:
    """PostgreSQL: a cursor on Django's connection (so inside its transaction) that binds parameters on the
    server, where `%b` sends a value in binary. Django's own cursors bind on the client: psycopg then
    quotes every element of a list parameter into the SQL text with regular expressions, in Python, which
    cost the harvester more than the inserts themselves (five times a binary array of 1,000 posts).
    Statements run here bypass Django's query logging; keep it to bulk paths, and run them inside
    `connection.wrap_database_errors` so errors are Django's (and a broken connection is noticed)."""
    import psycopg  # the PostgreSQL driver: imported only on PostgreSQL

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _insert_unnest(
    model: type[models.Model],
    fields: list[models.Field[Any, Any]],
    defaults: dict[str, Any],
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: bool,
) -> list[int]:
    """PostgreSQL: one array per column, `INSERT … SELECT * FROM unnest(…)` (as Django's own bulk_create
    does there), each array sent in binary (`binary_cursor`). The statement stays short whatever the
    number of rows."""
    q = connection.ops.quote_name

    def value(row: Mapping[str, Any], field: models.Field[Any, Any]) -> Any:
        if field.attname in row:
            return row[field.attname]
        return defaults[field.attname] if field.attname in defaults else _default_for(field)

    columns = [[value(row, f) for row in rows] for f in fields]
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    names = ", ".join(q(str(f.column)) for f in fields)
    sql = f"INSERT INTO {q(model._meta.db_table)} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
    if returning:
        sql += f" RETURNING {q(str(model._meta.pk.column))}"  # type: ignore[union-attr]
    with binary_cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(sql, columns)
        return [row[0] for row in cursor.fetchall()] if returning else []
