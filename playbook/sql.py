"""Set-based writes built from querysets, on PostgreSQL and SQLite alike.

`insert_select` writes the rows a queryset selects into another table in one statement
(`INSERT ... SELECT ... ON CONFLICT DO NOTHING`): a job that creates thousands of rows from
thousands of others (renewal alerts from subscriptions, tasks from alerts) sends one statement
instead of building a model instance per row in Python and sending them back. The unique
constraints of the target table decide what already exists, as `bulk_create(ignore_conflicts=
True)` does; the statement is compiled by Django for the connection's database, so it runs on
both databases the project supports (SQLite understands this upsert form since 3.24).

`DecimalText` and `DateText` turn a number or a date into the text Python's `str()` and
`%Y-%m-%d` give, for messages composed in SQL.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import DateTimeField, F, Func, Lookup, TextField, Value
from django.utils import timezone


def insert_select(model, queryset, values: dict, *, order_by: tuple = ()) -> int:
    """Insert one row into `model` per row of `queryset`, `values` mapping the target's field
    names to expressions over the queryset's model (F(), Value(), functions), in the order of
    `order_by` (expressions or field names of the queryset's model: ids follow it). Fields left
    out take what bulk_create would give them: their default (a callable one called once for the
    statement), "" for a text field without one, the current time for `auto_now` fields, NULL.
    Rows that would break a unique constraint are skipped. Returns how many rows were inserted.
    Like bulk_create: no save(), no signals."""
    now = timezone.now()
    columns = dict(values)
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in columns or field.attname in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns[field.name] = Value(now, output_field=DateTimeField())
        elif field.has_default() or not field.null:
            default = field.get_default()
            if default is None and not field.null:
                raise ValueError(f"insert_select: no value for {model.__name__}.{field.name}.")
            columns[field.name] = Value(default, output_field=field)
    aliases = {f"_c{i}": expression for i, expression in enumerate(columns.values())}
    orders = {f"_o{i}": F(key) if isinstance(key, str) else key for i, key in enumerate(order_by)}
    rows = queryset.order_by().annotate(**aliases, **orders).values(*aliases, *orders)
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    # Named columns of a subquery, so the order is ours whatever order Django selects them in;
    # `WHERE true` keeps SQLite from reading ON CONFLICT as a join's ON.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
        f"SELECT {', '.join(quote(a) for a in aliases)} FROM ({select}) AS src WHERE true "
    )
    if orders:
        sql += f"ORDER BY {', '.join(quote(o) for o in orders)} "
    with connection.cursor() as cursor:
        cursor.execute(sql + "ON CONFLICT DO NOTHING", params)
        return cursor.rowcount


class DecimalText(Func):
    """A decimal column (or product) as text with its two decimals, as str(Decimal) gives:
    1200.00. PostgreSQL's numeric keeps the scale; SQLite stores a REAL, formatted here."""

    function = ""
    template = "CAST(%(expressions)s AS text)"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        # %%%% -> %% (this template) -> % (Django's SQLite cursor turns %% into %).
        return super().as_sql(compiler, connection, template="printf('%%%%.2f', %(expressions)s)")


class DateText(Func):
    """A date as YYYY-MM-DD whatever the session's DateStyle (SQLite stores that text)."""

    function = ""
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="%(expressions)s")


def array_literal(values) -> str:
    """A PostgreSQL array literal ('{"a","b",NULL}') of `values`, for one `%s::<type>[]`
    parameter. Built here with string joins: psycopg adapts a list element by element in Python,
    which was a third of an import's time (200k rows x 10 columns). Every element is quoted, so
    any text goes; str() of an int, Decimal, date, aware datetime or bool is what PostgreSQL's
    input functions read."""
    return (
        "{"
        + ",".join(
            "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


class AnyOf(Lookup):
    """`lhs` is one of `values`: `filter(AnyOf(F("domain"), names))`. On PostgreSQL one array
    parameter (`= ANY(%s::varchar[])`) instead of an IN list of a placeholder per value: a list
    of 100,000 costs Django and psycopg seconds to build and parse. Elsewhere an IN list."""

    lookup_name = "any_of"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        field = self.lhs.output_field
        if connection.vendor == "postgresql":
            return (
                f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])",
                [*lhs_params, array_literal(values)],
            )
        if not values:
            return "1 = 0", []
        prepared = [field.get_db_prep_value(v, connection) for v in values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *prepared]
