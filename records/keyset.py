"""Keyset ("cursor") pagination: the next page starts after the last row shown, found through an
index, so a deep page costs what the first one does (OFFSET would read every skipped row).

A cursor is the last row's sort value and id, signed so that a tampered or truncated cursor is
refused (InvalidCursor, shown as 400) instead of running an arbitrary query.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core import signing
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Order:
    """Order by `key` (a field or an annotation), then by the `then` fields, then by id, all
    in the same direction.

    `nulls_last` is for an ascending nullable column: it matches PostgreSQL's btree order, so
    the index still serves the sort. `then` names non-null columns (e.g. last name, then first
    name); with them a cursor holds every key's value."""

    key: str
    descending: bool = False
    nulls_last: bool = False
    then: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.then)

    def order_by(self) -> list:
        if self.descending:
            return [*(F(k).desc() for k in self.keys), F("id").desc()]
        if self.nulls_last:
            return [F(self.key).asc(nulls_last=True), F("id").asc()]
        return [*(F(k).asc() for k in self.keys), F("id").asc()]

    def after(self, value, pk) -> Q:
        """Rows that come after (value, pk) in this order (with `then`, value is the list of
        the keys' values).

        Written as `key <= v AND (key < v OR id < pk)` (for descending): the first half is a
        range the index can start from; a plain OR would make the planner walk from the top."""
        if self.then:
            if not isinstance(value, list) or len(value) != len(self.keys):
                raise InvalidCursor("This page link belongs to another list or sort order.")
            # A row comparison, (last, first, id) > (v1, v2, pk): PostgreSQL starts the scan of
            # an index on those columns right there, however many rows share the first key.
            compare = TupleLessThan if self.descending else TupleGreaterThan
            return compare(Tuple(*(F(k) for k in self.keys), F("id")), (*value, pk))
        strict, loose = ("lt", "lte") if self.descending else ("gt", "gte")
        if self.nulls_last and value is None:
            return Q(**{f"{self.key}__isnull": True, f"id__{strict}": pk})
        after = Q(**{f"{self.key}__{loose}": value}) & (
            Q(**{f"{self.key}__{strict}": value}) | Q(**{f"id__{strict}": pk})
        )
        if self.nulls_last:
            after |= Q(**{f"{self.key}__isnull": True})
        return after


def _encode_value(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, bool | int | str):
        return ["v", value]
    if isinstance(value, list | tuple):
        return ["l", [_encode_value(v) for v in value]]
    raise TypeError(f"Cannot put {type(value).__name__} in a cursor.")


def _decode_value(encoded):
    if encoded is None:
        return None
    tag, raw = encoded
    if tag == "dt":
        return datetime.fromisoformat(raw)
    if tag == "d":
        return date.fromisoformat(raw)
    if tag == "n":
        return Decimal(raw)
    if tag == "v":
        return raw
    if tag == "l" and isinstance(raw, list):
        return [_decode_value(v) for v in raw]
    raise InvalidCursor("Unknown value in cursor.")


def encode(*, salt: str, scope: str, value, pk: int) -> str:
    """A URL-safe cursor. `scope` names what the cursor is for (e.g. the sort key), so a cursor
    of one sort order is not accepted by another."""
    return signing.dumps([scope, _encode_value(value), pk], salt=salt, compress=True)


def decode(cursor: str, *, salt: str, scope: str) -> tuple:
    """(value, pk) of a cursor made by `encode` with the same salt and scope."""
    try:
        found_scope, value, pk = signing.loads(cursor, salt=salt)
        value = _decode_value(value)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor("This page link is broken or out of date.") from exc
    if found_scope != scope or not isinstance(pk, int):
        raise InvalidCursor("This page link belongs to another list or sort order.")
    return value, pk


@dataclass
class Page:
    """One page of rows and the cursor of the next one (None on the last page)."""

    items: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def paginate(queryset, order: Order, *, salt: str, scope: str, cursor: str | None, size: int):
    """The page of `queryset` after `cursor`, in `order`; one query of size + 1 rows."""
    if cursor:
        value, pk = decode(cursor, salt=salt, scope=scope)
        queryset = queryset.filter(order.after(value, pk))
    rows = list(queryset.order_by(*order.order_by())[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        values = [_sort_value(last, k) for k in order.keys]
        value = values if order.then else values[0]
        next_cursor = encode(salt=salt, scope=scope, value=value, pk=last.pk)
    return Page(items=rows, next_cursor=next_cursor)


def _sort_value(row, key):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value
