"""Demo records: ~3 contacts and ~10 activities each, in a realistic spread over two years.

This is also how benchmarks get 100k records and 1M activities, so rows are written in bulk:
PostgreSQL's COPY where available, batched INSERTs elsewhere, with ids assigned here (the
sequences are moved past them at the end), into the tables without their secondary indexes
(built once afterwards). Run it on a database nobody else writes to at the same moment, as
seed_demo is.
"""

import json
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate

import phonenumbers
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from playbook.bulkload import secondary_indexes_dropped
from playbook.demo import DemoContext
from playbook.models import Role
from playbook.sql import array_literal
from records.contact_data import region_for_country
from records.demo_data import (
    ACTIVITY_COLUMNS,
    ACTIVITY_WEIGHTS,
    BAD_PHONES,
    CONTACT_COLUMNS,
    COUNTRY_WEIGHTS,
    CUSTOM_FIELDS,
    FIRST,
    HISTORY_COLUMNS,
    INDUSTRIES,
    LAST,
    PREFIXES,
    RECORD_COLUMNS,
    SOURCE_WEIGHTS,
    SUBJECTS,
    SUFFIXES,
    TITLES,
)
from records.models import (
    Activity,
    ActivityKind,
    Contact,
    CustomFieldDefinition,
    Record,
    RevenueBand,
)

BATCH = 5000
HISTORY_DAYS = 730


class _Weighted:
    """A weighted choice with its cumulative weights computed once (it runs millions of times)."""

    def __init__(self, pairs):
        self.values = [p[0] for p in pairs]
        self.cumulative = list(accumulate(p[1] for p in pairs))

    def pick(self, rng, k: int = 1) -> list:
        return rng.choices(self.values, cum_weights=self.cumulative, k=k)


def _phone_pool(rng, country: str, size: int = 300) -> list[tuple[str, str]]:
    """(as typed, E.164) of valid mobile numbers of `country`, typed the national way."""
    region = region_for_country(country)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    pool = []
    for _ in range(size):
        number = phonenumbers.parse(
            f"+{example.country_code}{national[:-4]}{rng.randint(0, 9999):04d}"
        )
        pool.append(
            (
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            )
        )
    return pool


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


# Rows per INSERT statement of the non-COPY PostgreSQL path (one array per column each).
UNNEST_BATCH = 20_000


def insert_rows(model, columns: list[str], rows: list[tuple], *, copy: bool = True) -> None:
    """Bulk-write raw rows (values in `columns` order, JSON as dicts): COPY on PostgreSQL,
    batched INSERTs elsewhere. Other apps' demo seeders use it too. `copy=False` for code that
    runs under row-level security (imports as the app role): PostgreSQL refuses COPY there, so
    the rows go as one `INSERT ... SELECT FROM unnest(<one array per column>)` per batch: a
    statement per row (executemany) cost an import of 200k ledger rows most of its time in
    per-value Python preparation and round trips."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(c) for c in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    if connection.vendor == "postgresql" and copy:
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
        return
    if connection.vendor == "postgresql":
        _insert_unnest(table, names, fields, json_at, rows)
        return
    prepared = [
        tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
        for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def insert_objects(model, objs: list) -> None:
    """Bulk-create unsaved model instances and set their ids: `bulk_create` without its
    per-value preparation in Python (what an import of 100k new records spent most of its time
    in). PostgreSQL: one INSERT ... RETURNING per batch, in order; elsewhere bulk_create. Like
    bulk_create, no save() and no signals."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    ids = _insert_unnest(table, names, fields, json_at, rows, returning=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, "default"


def _insert_unnest(table, names, fields, json_at, rows, *, returning=False) -> list[int]:
    # Arrays of the columns' own types; JSON goes as text and is cast per element. Values are
    # the Python types psycopg adapts itself (int, str, Decimal, date, datetime, None), as COPY
    # takes them.
    types = ["text" if i in json_at else f.cast_db_type(connection) for i, f in enumerate(fields)]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    select = ", ".join(f"c{i}::jsonb" if i in json_at else f"c{i}" for i in range(len(fields)))
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {select} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({aliases}, n)"
    )
    if returning:
        # Rows are inserted and returned in the arrays' order, as bulk_create relies on too.
        sql += " ORDER BY n RETURNING id"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_BATCH):
            batch = rows[start : start + UNNEST_BATCH]
            columns = [list(column) for column in zip(*batch, strict=True)]
            for i in json_at:
                columns[i] = [None if v is None else json.dumps(v) for v in columns[i]]
            # Each column as one array literal built with string joins (playbook.sql): psycopg
            # adapting the lists element by element was a third of a 200k-row import.
            cursor.execute(sql, [array_literal(column) for column in columns])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_objects(model, workspace_id: int, objs: list, fields: list[str]) -> None:
    """Save `fields` of many instances of one workspace: on PostgreSQL one UPDATE ... FROM
    unnest(<one array per field>) per batch; elsewhere bulk_update. bulk_update builds a CASE
    per field over every id in Python: for 100k customers' health that was minutes of CPU."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.of(workspace_id).bulk_update(objs, fields, batch_size=BATCH)
        return
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = [(obj.pk, *(getattr(obj, a) for a in attnames)) for obj in objs]
    update_rows(model, workspace_id, fields, rows)


def update_rows(model, workspace_id: int, fields: list[str], rows: list[tuple]) -> None:
    """Set `fields` of many rows of one workspace from tuples (id, *values in `fields` order):
    on PostgreSQL one UPDATE ... FROM unnest(<one array per field>) per batch, the values
    rendered by string joins (playbook.sql); elsewhere one UPDATE per row."""
    if not rows:
        return
    targets = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    json_at = {i for i, f in enumerate(targets) if f.get_internal_type() == "JSONField"}
    if connection.vendor != "postgresql":
        sets = ", ".join(f"{quote(f.column)} = %s" for f in targets)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s AND workspace_id = %s",
                [
                    [
                        *(
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(targets, row[1:], strict=True)
                        ),
                        row[0],
                        workspace_id,
                    ]
                    for row in rows
                ],
            )
        return
    types = ["text" if i in json_at else f.cast_db_type(connection) for i, f in enumerate(targets)]
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{t}[]" for t in types])
    aliases = ", ".join(["pk"] + [f"c{i}" for i in range(len(targets))])
    sets = ", ".join(
        f"{quote(f.column)} = u.c{i}" + ("::jsonb" if i in json_at else "")
        for i, f in enumerate(targets)
    )
    sql = (
        f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS u({aliases}) "
        "WHERE t.id = u.pk AND t.workspace_id = %s"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_BATCH):
            columns = [list(c) for c in zip(*rows[start : start + UNNEST_BATCH], strict=True)]
            for i in json_at:
                columns[i + 1] = [None if v is None else json.dumps(v) for v in columns[i + 1]]
            cursor.execute(sql, [*map(array_literal, columns), workspace_id])


@contextmanager
def foreign_keys_checked_once(models):
    """PostgreSQL checks deferred foreign keys row by row at commit: for a million activities
    that is most of a minute. Dropped for the load and added back, each key is checked by one
    join instead (PostgreSQL's own advice for populating a database). The tables are locked
    meanwhile, which a demo seed may do. Other databases: nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Pending deferred checks of these tables would forbid the ALTERs: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [[m._meta.db_table for m in models]],
        )
        keys = cursor.fetchall()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def _custom_fields(ws):
    existing = {d.key for d in CustomFieldDefinition.objects.of(ws)}
    CustomFieldDefinition.objects.bulk_create(
        [
            CustomFieldDefinition(
                workspace=ws, key=key, label=label, kind=kind, choices=choices, position=i
            )
            for i, (key, label, kind, choices) in enumerate(CUSTOM_FIELDS, start=1)
            if key not in existing
        ]
    )


def _custom_values(rng, employees: int) -> dict:
    values = {}
    if rng.random() < 0.7:
        values["crm_in_use"] = rng.choice(["Salesforce", "HubSpot", "Pipedrive"])
    if rng.random() < 0.5:
        values["seats"] = max(3, min(2000, employees // rng.choice((2, 4, 8))))
    if rng.random() < 0.4:
        values["security_review"] = rng.random() < 0.3
    return values


class _Ids:
    def __init__(self, model):
        self.next = _next_id(model)

    def take(self) -> int:
        self.next += 1
        return self.next - 1


class _Generator:
    """Makes the rows of one demo record at a time: the record, its first history row, its
    contacts and its activities, as tuples in the *_COLUMNS orders."""

    def __init__(self, ctx: DemoContext):
        self.rng, self.ws_id, self.now = ctx.rng, ctx.workspace.pk, timezone.now()
        self.owners = [
            u.pk for role in (Role.MARKETING, Role.SDR, Role.AE) for u in ctx.members[role]
        ]
        self.actors = [u.pk for u in ctx.users]
        self.phones = {country: _phone_pool(self.rng, country) for country, _ in COUNTRY_WEIGHTS}
        self.countries, self.sources = _Weighted(COUNTRY_WEIGHTS), _Weighted(SOURCE_WEIGHTS)
        self.kinds, self.bands = _Weighted(ACTIVITY_WEIGHTS), RevenueBand.values
        self.record_ids, self.contact_ids = _Ids(Record), _Ids(Contact)
        self.activity_ids = _Ids(Activity)

    def rows(self, i: int, records, histories, contacts, activities) -> None:
        rng, ws_id, now, owners, actors = self.rng, self.ws_id, self.now, self.owners, self.actors
        phones, countries, sources, kinds, bands = (
            self.phones,
            self.countries,
            self.sources,
            self.kinds,
            self.bands,
        )
        record_ids, contact_ids, activity_ids = self.record_ids, self.contact_ids, self.activity_ids
        rid = record_ids.take()
        name = f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} {i + 1}"
        domain = name.lower().replace(" ", "") + ".example.com"
        employees = int(rng.lognormvariate(4.5, 1.3)) + 2
        country = countries.pick(rng)[0]
        owner = rng.choice(owners)
        # Newer records are more common: a growing lead flow.
        created = now - timedelta(days=HISTORY_DAYS * rng.random() ** 1.5, seconds=i % 86400)
        in_deal = rng.random() < 0.4
        row = {
            "id": rid,
            "workspace_id": ws_id,
            "name": name,
            "domain": domain,
            "industry": rng.choice(INDUSTRIES),
            "employee_count": employees,
            "country": country,
            "revenue_band": rng.choice(bands),
            "source": sources.pick(rng)[0],
            "owner_id": owner,
            "problem_acknowledged": rng.random() < 0.6,
            "buying_intent": False,
            "details_verified": False,
            "decision_maker_identified": False,
            "contract_signed": False,
            "expected_arr": Decimal(rng.randrange(6, 120) * 1000) if in_deal else None,
            "expected_close_date": (now + timedelta(days=rng.randint(-30, 180))).date()
            if in_deal
            else None,
            "status": "open",
            "lost_reason": "",
            # Scored from the workspace's ICP profile once the rows are in (records.icp_demo).
            "icp_score": None,
            "icp_scored_at": None,
            "custom_fields": _custom_values(rng, employees),
            "version": 1,
            "created_by_id": owner,
            "created_at": created,
        }
        last_touch, last_done = created, None
        for c in range(rng.choice((2, 3, 3, 4))):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            title, seniority = rng.choice(TITLES)
            local = f"{first.lower()}.{last.lower()}".replace("ü", "u")
            email_ok = rng.random() < 0.96
            if rng.random() < 0.85:
                raw, e164 = rng.choice(phones[country])
            else:
                raw, e164 = rng.choice(BAD_PHONES), ""
            contacts.append(
                (
                    contact_ids.take(),
                    ws_id,
                    rid,
                    first,
                    last,
                    f"{local}@{domain}" if email_ok else f"{local} at {domain}",
                    email_ok,
                    raw,
                    e164,
                    bool(e164),
                    title,
                    seniority,
                    c == 0,
                    created,
                )
            )
        span = max(1.0, (now - created).total_seconds())
        for kind in kinds.pick(rng, rng.randint(6, 14)):
            occurred = created + timedelta(seconds=span * rng.random())
            last_touch = max(last_touch, occurred)
            if kind == ActivityKind.TASK:
                due = occurred + timedelta(days=rng.randint(1, 14))
                # Most tasks due in the past were done; some slipped (overdue).
                done = rng.random() < (0.85 if due < now else 0.15)
                done_at, assignee = (min(due, now) if done else None), owner
            else:
                due, done, done_at, assignee = None, True, occurred, None
            if done_at is not None and (last_done is None or done_at > last_done):
                last_done = done_at
            activities.append(
                (
                    activity_ids.take(),
                    ws_id,
                    rid,
                    kind,
                    rng.choice(SUBJECTS[kind]),
                    "",
                    occurred,
                    due,
                    done,
                    done_at,
                    rng.choice(actors),
                    assignee,
                    occurred,
                )
            )
        row["updated_at"], row["last_activity_at"] = last_touch, last_done
        records.append(tuple(row[c] for c in RECORD_COLUMNS))
        histories.append(tuple([row[c] for c in HISTORY_COLUMNS[:-3]] + [created, "+", owner]))


def seed(ctx: DemoContext) -> None:
    _custom_fields(ctx.workspace)
    generator = _Generator(ctx)
    models = [Record, Record.history.model, Contact, Activity]
    # Indexes built once after the load, not entry by entry (playbook.bulkload); seed_demo
    # keeps the records' own dropped longer, over the updates that follow.
    with secondary_indexes_dropped(models), foreign_keys_checked_once(models):
        for start in range(0, ctx.records, BATCH):
            records, histories, contacts, activities = [], [], [], []
            for i in range(start, min(start + BATCH, ctx.records)):
                generator.rows(i, records, histories, contacts, activities)
            insert_rows(Record, RECORD_COLUMNS, records)
            insert_rows(Record.history.model, HISTORY_COLUMNS, histories)
            insert_rows(Contact, CONTACT_COLUMNS, contacts)
            insert_rows(Activity, ACTIVITY_COLUMNS, activities)
    reset_sequences()


def reset_sequences() -> None:
    """Ids were assigned here: move the database's id sequences past them."""
    sql = connection.ops.sequence_reset_sql(no_style(), [Record, Contact, Activity])
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
