"""Hand-made customers for the CSM and renewals home tests: a record in Won with one
subscription written through the ledger service, its customer row's health and owners set."""

from datetime import date, timedelta
from decimal import Decimal

from customers import services
from customers.models import Customer, RenewalAlert


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def customer(make_record, *, csm, mrr, health=None, renewal_owner=None, term_end=None, **fields):
    """A customer owned by `csm` paying `mrr`; the term ends on `term_end` (a year's term)."""
    record = make_record("won", owner=csm, **fields)
    ws = record.workspace
    term_end = term_end or ws.today() + timedelta(days=300)
    sub = services.subscription_start(
        workspace=ws,
        record=record,
        mrr=Decimal(mrr),
        started_on=add_years(term_end, -1),
        actor=None,
        term_months=12,
        today=min(ws.today(), add_years(term_end, -1)),
    )
    row, _ = Customer.objects.of(ws).get_or_create(record=record, defaults={"workspace": ws})
    Customer.objects.of(ws).filter(pk=row.pk).update(
        health_score=health, renewal_owner=renewal_owner
    )
    sub.refresh_from_db()
    return record, sub


def alert(sub, *, owner, window=None, **fields):
    days_left = (sub.term_end - sub.record.workspace.today()).days
    window = window or next((w for w in (30, 60, 90, 120) if days_left <= w), 120)
    return RenewalAlert.objects.create(
        workspace=sub.workspace,
        subscription=sub,
        record=sub.record,
        term_end=sub.term_end,
        window=window,
        owner=owner,
        **fields,
    )
