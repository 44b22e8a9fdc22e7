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


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Order:
    """Order by `key` (a field or an annotation), then by id in the same direction.

    `nulls_last` is for an ascending nullable column: it matches PostgreSQL's btree order, so
    the index still serves the sort."""

    key: str
    descending: bool = False
    nulls_last: bool = False

    def order_by(self) -> list:
        if self.descending:
            return [F(self.key).desc(), F("id").desc()]
        if self.nulls_last:
            return [F(self.key).asc(nulls_last=True), F("id").asc()]
        return [F(self.key).asc(), F("id").asc()]

    def after(self, value, pk) -> Q:
        """Rows that come after (value, pk) in this order.

        Written as `key <= v AND (key < v OR id < pk)` (for descending): the first half is a
        range the index can start from; a plain OR would make the planner walk from the top."""
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
        next_cursor = encode(salt=salt, scope=scope, value=_sort_value(last, order.key), pk=last.pk)
    return Page(items=rows, next_cursor=next_cursor)


def _sort_value(row, key):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value
