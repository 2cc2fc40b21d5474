"""Rows by thousands of keys at once, as a sync page asks for them: one index probe per key.

A sync page looks up thousands of external ids, identifiers or customer ids in tables it
is growing. Asked ``key = ANY(array)``, PostgreSQL's planner weighs thousands of index
descents against one sequential scan and, for tables of up to a few hundred thousand
rows, or with statistics taken while the table was smaller, picks the scan (a parallel
one, even): 20-90 ms a page at 200,000 customers where the probes take 3, and more the
larger the table grows. ``rows_by_key`` asks instead for a LATERAL subquery per key,
which only the index on the key can answer (``OFFSET 0`` keeps PostgreSQL from
flattening it into a join it could hash). Other databases get a plain ``__in``.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model

from overlay import bulk

# Splits the values of a text list sent as one string: a control character no identifier holds.
SEPARATOR = "\x1f"


def any_array(values: list) -> tuple[str, object]:
    """SQL for an array parameter, and the parameter: text values joined in one string, split by
    PostgreSQL, unless one of them holds the separator (then the list as an array). Quoting
    thousands of values one by one as an array literal cost more Python time than the query took."""
    if values and all(type(v) is str for v in values):
        joined = SEPARATOR.join(values)
        if joined.count(SEPARATOR) == len(values) - 1:
            return "string_to_array(%s, chr(31))", joined
        return "%s::text[]", values
    return "%s", values


def probe_sql(keys: list, inner: str) -> tuple[str, object]:
    """``SELECT found.*`` of ``inner`` run once per key, and the keys' parameter: ``inner`` is a
    SELECT naming the key as ``wanted.key``, e.g. ``SELECT a, b FROM t WHERE k = wanted.key``."""
    array, param = any_array(keys)
    return (
        f"SELECT found.* FROM unnest({array}) AS wanted(key) CROSS JOIN LATERAL ({inner} OFFSET 0) AS found",
        param,
    )


def rows_by_key(model: type[Model], key: str, keys: Iterable, columns: Sequence[str], **equal) -> list[tuple]:
    """``model.objects.filter(<key>__in=keys, **equal).values_list(*columns)``: the rows whose
    field ``key`` is one of ``keys`` and whose other fields equal ``equal``, as tuples."""
    keys = list(dict.fromkeys(k for k in keys if k is not None))  # a key asked twice is answered once
    if not keys:
        return []
    if not bulk.is_postgres():
        return list(model.objects.filter(**{f"{key}__in": keys}, **equal).values_list(*columns).order_by())
    meta, quote = model._meta, connection.ops.quote_name
    key_field = meta.get_field(key)
    if not all(type(k) is str for k in keys):
        keys = [key_field.get_db_prep_value(k, connection) for k in keys]
    selected = ", ".join(quote(meta.get_field(name).column) for name in columns)
    conditions = [f"{quote(key_field.column)} = wanted.key"]
    conditions += [f"{quote(meta.get_field(name).column)} = %s" for name in equal]
    sql, param = probe_sql(keys, f"SELECT {selected} FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [param, *equal.values()])
        return cursor.fetchall()
