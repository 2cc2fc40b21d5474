"""Bulk writes for imports: one statement per batch on PostgreSQL, the ORM elsewhere.

``insert_rows`` sends whole columns as typed arrays (``INSERT ... SELECT FROM
unnest(...)``), optionally as an upsert (``ON CONFLICT ... DO UPDATE``) and
returning columns. ``copy_rows`` streams rows that cannot collide with COPY, the
fastest way into PostgreSQL; ``store_rows`` COPYs the new ones of a batch and
upserts the rest. All skip the ORM's per-object work, which dominated sync time;
on SQLite (the embedded mode) they go through ``bulk_create``.
"""

import json
from collections.abc import Container, Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb


@dataclass
class Counts:
    """What importing some records did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _array_type(field) -> str:
    kind = field.get_internal_type()
    if kind in ("CharField", "SlugField", "TextField", "EmailField", "URLField"):
        return "text[]"
    if kind == "JSONField":
        return "jsonb[]"
    return field.db_type(connection) + "[]"


def insert_rows(
    model,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert (or upsert on ``conflict``, updating ``update``) rows given as tuples in ``columns`` order."""
    if not rows:
        return []
    columns, rows = _with_defaults(model, columns, rows)
    fields = [model._meta.get_field(name) for name in columns]
    if not is_postgres():
        return _insert_with_orm(model, fields, rows, conflict=conflict, update=update, returning=returning)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = ", ".join(f"%s::{_array_type(f)}" for f in fields)
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"
    if conflict:
        target = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in conflict)
        if update:
            updates = ", ".join(
                f"{c} = EXCLUDED.{c}"
                for c in (connection.ops.quote_name(model._meta.get_field(n).column) for n in update)
            )
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
        else:
            sql += f" ON CONFLICT ({target}) DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in returning)
    json_columns = {i: f.null for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
    params = [
        [_jsonb(row[i], json_columns[i]) for row in rows] if i in json_columns else [row[i] for row in rows]
        for i in range(len(fields))
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if returning else []


def update_rows(model, objects: Sequence, fields: Sequence[str]) -> None:
    """Save ``fields`` of model instances (which have their pk) in one statement, as ``bulk_update`` does.

    On PostgreSQL it is ``UPDATE ... FROM unnest(...)`` with a typed array per column: ``bulk_update``'s
    ``CASE WHEN pk = ... THEN ...`` per row and field is built by the ORM, most of a small job's CPU.
    """
    if not objects:
        return
    if not is_postgres():
        model.objects.bulk_update(objects, fields)
        return
    pk, targets = model._meta.pk, [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{_array_type(f)}" for f in [pk, *targets])
    names = ", ".join(["pk", *(f"c{i}" for i in range(len(targets)))])
    sets = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(targets))
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {sets}"
        f" FROM unnest({arrays}) AS v({names}) WHERE t.{quote(pk.column)} = v.pk"
    )
    params = [[o.pk for o in objects]] + [
        [_jsonb(getattr(o, f.attname), f.null) for o in objects]
        if f.get_internal_type() == "JSONField"
        else [getattr(o, f.attname) for o in objects]
        for f in targets
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _jsonb(value, nullable: bool) -> Jsonb | None:
    """A JSON column's value; None in a nullable one is NULL, as the ORM saves it (elsewhere JSON's null)."""
    return None if value is None and nullable else Jsonb(value)


def copy_rows(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert new rows (no conflict possible) given as tuples in ``columns`` order, with COPY on PostgreSQL."""
    if not rows:
        return
    if not is_postgres():
        insert_rows(model, columns, rows)
        return
    columns, rows = _with_defaults(model, columns, rows)
    fields = [model._meta.get_field(name) for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    as_text = [(i, text) for i, f in enumerate(fields) if (text := _copy_text(f))]
    # Errors surface as Django's (IntegrityError...), as they do from the ORM.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            if as_text:
                row = list(row)
                for i, text in as_text:
                    row[i] = text(row[i])
            copy.write_row(row)


def _copy_text(field):
    """How a column's values go into a text COPY when psycopg's own dumper is slow, else None.

    psycopg dumps each datetime and each Jsonb through Python-level code: two thirds of a
    synced row's COPY time. Their text form (ISO 8601 with offset; JSON as Django writes it)
    is what PostgreSQL parses anyway, and write_row still escapes it. None stays NULL for times
    and in a nullable JSON column (as the ORM saves it), and is JSON's null in another JSON column.
    """
    kind = field.get_internal_type()
    if kind in ("DateTimeField", "DateField"):
        return _iso_remembering_the_last()
    if kind == "JSONField":
        encoder = field.encoder
        if field.null:
            return lambda value: None if value is None else json.dumps(value, cls=encoder)
        return lambda value: json.dumps(value, cls=encoder)
    return None


def _iso_remembering_the_last():
    """value.isoformat(), None for None; a batch's rows mostly share one time (its ``now``): rendered once."""
    last, text = None, None

    def iso(value):
        nonlocal last, text
        if value is None:
            return None
        if value is not last:
            last, text = value, value.isoformat()
        return text

    return iso


def store_rows(
    model, columns: Sequence[str], rows: Sequence[tuple], *, known: Container, conflict: Sequence[str]
) -> None:
    """Write rows keyed by ``conflict``, whose last column's value is in ``known`` for rows the table
    holds already: those are updated (every other column), the rest are COPYed.

    The caller looked ``known`` up and keeps anyone else from adding such rows meanwhile (a lock).
    """
    key = columns.index(conflict[-1])
    update = [c for c in columns if c not in conflict and c != model._meta.pk.name]
    copy_rows(model, columns, [r for r in rows if r[key] not in known])
    insert_rows(model, columns, [r for r in rows if r[key] in known], conflict=conflict, update=update)


def _with_defaults(model, columns: Sequence[str], rows: Sequence[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns not given take what the ORM would give them: the field's default ('' for text), or now."""
    missing = [
        f
        for f in model._meta.concrete_fields
        if f.name not in columns and not f.primary_key and not getattr(f, "generated", False)
    ]
    if not missing:
        return list(columns), list(rows)
    now = timezone.now()

    def default(field):
        stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        return now if stamped else field.get_default()

    return [*columns, *(f.name for f in missing)], [(*row, *(default(f) for f in missing)) for row in rows]


def _insert_with_orm(model, fields, rows, *, conflict, update, returning) -> list[tuple]:
    objects = [model(**{f.attname: value for f, value in zip(fields, row, strict=True)}) for row in rows]
    options = {}
    if conflict:
        options = (
            {"update_conflicts": True, "unique_fields": list(conflict), "update_fields": list(update)}
            if update
            else {"ignore_conflicts": True}
        )
    model.objects.bulk_create(objects, batch_size=500, **options)
    if not returning:
        return []
    # Match rows back by their conflict keys (else the first column), by attname: FK ids, not objects.
    keys = [model._meta.get_field(k).attname for k in (list(conflict) or [fields[0].name])]
    lookup = {tuple(getattr(o, k) for k in keys) for o in objects}
    found = model.objects.filter(**{f"{keys[0]}__in": {key[0] for key in lookup}}).values_list(*keys, *returning)
    return [tuple(r[len(keys) :]) for r in found if tuple(r[: len(keys)]) in lookup]
