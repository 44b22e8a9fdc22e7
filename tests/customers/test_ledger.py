"""The MRR ledger and the derived movement kinds (issue 8's edge cases), through the services."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from customers import selectors, services
from customers.models import AppendOnlyError, MrrMovement, Subscription
from tests.factories import RecordFactory

TODAY = date(2026, 6, 30)
D = Decimal


def start(record, mrr, on, **kwargs):
    return services.subscription_start(
        workspace=record.workspace,
        record=record,
        mrr=mrr,
        started_on=on,
        actor=None,
        today=TODAY,
        **kwargs,
    )


def change(sub, mrr, on):
    return services.subscription_change_mrr(
        workspace=sub.workspace,
        subscription=sub.pk,
        mrr=mrr,
        effective_on=on,
        actor=None,
        today=TODAY,
    )


def cancel(sub, on, reason="price"):
    return services.subscription_cancel(
        workspace=sub.workspace,
        subscription=sub.pk,
        reason=reason,
        effective_on=on,
        actor=None,
        today=TODAY,
    )


def reactivate(sub, mrr, on):
    return services.subscription_reactivate(
        workspace=sub.workspace,
        subscription=sub.pk,
        mrr=mrr,
        effective_on=on,
        actor=None,
        today=TODAY,
    )


def kinds(record):
    return [
        (m.effective_on.isoformat(), m.kind, m.delta, m.customer_mrr_before, m.customer_mrr_after)
        for m in selectors.classified_movements(record.workspace, record=record)
    ]


@pytest.fixture
def customer(workspace):
    return RecordFactory(workspace=workspace)


def test_one_subscription_through_every_kind(customer):
    sub = start(customer, "100", date(2026, 1, 1))
    change(sub, "150", date(2026, 2, 1))
    change(sub, "120", date(2026, 3, 1))
    cancel(sub, date(2026, 4, 1))
    reactivate(sub, "80", date(2026, 5, 1))
    assert kinds(customer) == [
        ("2026-01-01", "new", D("100"), D("0"), D("100")),
        ("2026-02-01", "expansion", D("50"), D("100"), D("150")),
        ("2026-03-01", "contraction", D("-30"), D("150"), D("120")),
        ("2026-04-01", "churn", D("-120"), D("120"), D("0")),
        ("2026-05-01", "reactivation", D("80"), D("0"), D("80")),
    ]


def test_cancelling_one_of_two_subscriptions_is_a_contraction(customer):
    first = start(customer, "100", date(2026, 1, 1))
    start(customer, "50", date(2026, 2, 1), action="cross_sell")
    cancel(first, date(2026, 3, 1))
    assert [k[1] for k in kinds(customer)] == ["new", "expansion", "contraction"]
    assert selectors.customer_mrr_on(customer.workspace, customer, date(2026, 3, 1)) == D("50")


def test_churn_on_the_3rd_and_return_on_the_25th_is_churn_then_reactivation(customer):
    sub = start(customer, "200", date(2026, 1, 10))
    cancel(sub, date(2026, 3, 3))
    reactivate(sub, "200", date(2026, 3, 25))
    monthly = dict(
        selectors.classified_movements(customer.workspace, record=customer)
        .filter(effective_on__year=2026, effective_on__month=3)
        .values_list("kind")
        .annotate(total=Sum("delta"))
    )
    assert monthly == {"churn": D("-200"), "reactivation": D("200")}


def test_a_new_customer_after_another_customer_churned_is_new_not_reactivation(workspace):
    a, b = RecordFactory(workspace=workspace), RecordFactory(workspace=workspace)
    cancel(start(a, "10", date(2026, 1, 1)), date(2026, 2, 1))
    start(b, "20", date(2026, 3, 1))
    assert [k[1] for k in kinds(b)] == ["new"]


def test_rows_on_one_date_count_in_recorded_order(customer):
    sub = start(customer, "100", date(2026, 1, 1))
    change(sub, "300", date(2026, 2, 1))
    change(sub, "250", date(2026, 2, 1))
    assert [k[1] for k in kinds(customer)] == ["new", "expansion", "contraction"]
    sub.refresh_from_db()
    assert sub.mrr == D("250")


def test_a_backdated_row_changes_the_later_kinds_and_keeps_mrr_right(customer):
    first = start(customer, "100", date(2026, 1, 1))
    cancel(first, date(2026, 4, 1))
    assert [k[1] for k in kinds(customer)] == ["new", "churn"]
    # A cross-sell signed in February is entered late: April is now a contraction.
    start(customer, "40", date(2026, 2, 1), action="cross_sell")
    assert [k[1] for k in kinds(customer)] == ["new", "expansion", "contraction"]
    assert selectors.current_mrr(customer.workspace, customer) == D("40")


def test_a_backdated_change_keeps_the_subscription_at_its_latest_row(customer):
    sub = start(customer, "100", date(2026, 1, 1))
    change(sub, "150", date(2026, 3, 1))
    change(sub, "120", date(2026, 2, 1))  # entered late, dated before March's upsell
    sub.refresh_from_db()
    assert sub.mrr == D("150")
    assert [k[1] for k in kinds(customer)] == ["new", "expansion", "expansion"]
    assert [m.action for m in MrrMovement.objects.order_by("id")] == ["start", "upsell", "upsell"]


def test_a_renewal_at_the_same_price_moves_no_mrr_and_a_higher_one_is_expansion(customer):
    sub = start(customer, "100", date(2025, 1, 1), term_months=12)
    services.subscription_renew(
        workspace=customer.workspace,
        subscription=sub.pk,
        actor=None,
        effective_on=date(2025, 12, 15),
        today=TODAY,
    )
    services.subscription_renew(
        workspace=customer.workspace,
        subscription=sub.pk,
        actor=None,
        mrr="130",
        effective_on=date(2026, 6, 1),
        today=TODAY,
    )
    assert [k[1] for k in kinds(customer)] == ["new", None, "expansion"]
    sub.refresh_from_db()
    assert sub.term_end == date(2028, 1, 1) and sub.mrr == D("130")


def test_terms_keep_month_ends_and_29_february(customer):
    sub = start(customer, "10", date(2024, 2, 29), term_months=12)
    assert sub.term_end == date(2025, 2, 28)
    sub = start(customer, "10", date(2026, 1, 31), term_months=1)
    assert sub.term_end == date(2026, 2, 28)


def _random_history(rng, workspace, customers=6, steps=30):
    records = [RecordFactory(workspace=workspace) for _ in range(customers)]
    day = date(2024, 1, 1)
    for _ in range(steps):
        day += timedelta(days=rng.randint(0, 20))
        record = rng.choice(records)
        subs = list(Subscription.objects.filter(record=record))
        active = [s for s in subs if s.is_active]
        cancelled = [s for s in subs if not s.is_active]
        choice = rng.random()
        mrr = str(D(rng.randint(100, 99999)) / 100)
        if not subs or choice < 0.15:
            start(record, mrr, day, action="cross_sell" if subs else "start")
        elif active and choice < 0.6:
            sub = rng.choice(active)
            if D(mrr) != sub.mrr:
                change(sub, mrr, rng.choice([day, max(sub.started_on, day - timedelta(40))]))
        elif active and choice < 0.8:
            cancel(rng.choice(active), day)
        elif cancelled:
            sub = rng.choice(cancelled)
            reactivate(sub, mrr, max(day, sub.cancelled_on))
    return records


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mrr_equals_the_active_subscriptions_on_generated_histories(workspace, seed):
    records = _random_history(random.Random(seed), workspace)
    for record in records:
        active = Subscription.objects.filter(record=record, status="active")
        expected = sum((s.mrr for s in active), D("0"))
        assert selectors.current_mrr(workspace, record) == expected
        assert selectors.customer_mrr_on(workspace, record, TODAY) == expected
        rows = list(selectors.classified_movements(workspace, record=record))
        # The derived deltas add up to the MRR, and every kind agrees with before/after.
        assert sum((r.delta for r in rows), D("0")) == expected
        for row in rows:
            before, after = row.customer_mrr_before, row.customer_mrr_after
            assert after - before == row.delta
            if row.delta == 0:
                assert row.kind is None
            elif before == 0:
                assert row.kind in ("new", "reactivation")
            elif after == 0:
                assert row.kind == "churn"
            else:
                assert row.kind == ("expansion" if after > before else "contraction")
        assert [r.kind for r in rows if r.kind in ("new", "reactivation")][:1] in ([], ["new"])
    total = sum((selectors.current_mrr(workspace, r) for r in records), D("0"))
    assert selectors.workspace_mrr_on(workspace, TODAY) == total


def test_bad_input_is_refused_and_nothing_is_saved(customer):
    for mrr in ("0", "-5", "abc", "1.234", "NaN"):
        with pytest.raises(ValidationError):
            start(customer, mrr, date(2026, 1, 1))
    with pytest.raises(ValidationError, match="term is between"):
        start(customer, "10", date(2026, 1, 1), term_months=0)
    with pytest.raises(ValidationError, match="future"):
        start(customer, "10", TODAY + timedelta(days=1))
    assert not Subscription.objects.exists() and not MrrMovement.objects.exists()
    sub = start(customer, "100", date(2026, 1, 1))
    with pytest.raises(ValidationError, match="never cancelled"):
        reactivate(sub, "100", date(2026, 2, 1))
    with pytest.raises(ValidationError, match="from the list"):
        cancel(sub, date(2026, 2, 1), reason="bored")
    cancel(sub, date(2026, 2, 1))
    with pytest.raises(ValidationError, match="already cancelled"):
        cancel(sub, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="before 2026-02-01"):
        reactivate(sub, "100", date(2026, 1, 15))
    with pytest.raises(ValidationError, match="Reactivate it first"):
        change(sub, "50", date(2026, 3, 1))
    assert MrrMovement.objects.filter(subscription=sub).count() == 2


def test_a_stale_version_is_refused(customer):
    sub = start(customer, "100", date(2026, 1, 1))
    shown = sub.version
    services.subscription_change_mrr(
        workspace=customer.workspace,
        subscription=sub.pk,
        mrr="120",
        version=shown,
        effective_on=date(2026, 2, 1),
        actor=None,
        today=TODAY,
    )
    with pytest.raises(services.StaleSubscription, match="Someone else changed"):
        services.subscription_cancel(
            workspace=customer.workspace,
            subscription=sub.pk,
            reason="price",
            version=shown,
            actor=None,
            today=TODAY,
        )
    assert MrrMovement.objects.filter(subscription=sub).count() == 2


def test_another_workspaces_ledger_is_invisible(customer, other_workspace):
    sub = start(customer, "100", date(2026, 1, 1))
    assert not selectors.classified_movements(other_workspace).exists()
    with pytest.raises(ValidationError, match="no longer exists"):
        services.subscription_cancel(
            workspace=other_workspace,
            subscription=sub.pk,
            reason="price",
            actor=None,
            today=TODAY,
        )


def test_the_ledger_refuses_rewrites_in_python(customer):
    start(customer, "100", date(2026, 1, 1))
    row = MrrMovement.objects.get()
    row.mrr = D("1")
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_the_database_refuses_to_rewrite_the_ledger(customer, member_factory):
    member = member_factory(customer.workspace)
    start(customer, "100", date(2026, 1, 1))
    row = MrrMovement.objects.get()
    for rewrite in ({"mrr": D("1")}, {"effective_on": date(2020, 1, 1)}, {"actor": member.user}):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            MrrMovement.objects.filter(pk=row.pk).update(**rewrite)
    assert MrrMovement.objects.get().mrr == D("100")


def test_deleting_the_record_or_workspace_takes_its_ledger_along(customer, member_factory):
    member = member_factory(customer.workspace)
    services.subscription_start(
        workspace=customer.workspace,
        record=customer,
        mrr="10",
        started_on=date(2026, 1, 1),
        actor=member.user,
        today=TODAY,
    )
    member.user.delete()  # on_delete=SET_NULL on the row's actor is allowed by the trigger
    assert MrrMovement.objects.get().actor_id is None
    customer.delete()
    assert not MrrMovement.objects.exists() and not Subscription.objects.exists()
    start(RecordFactory(workspace=customer.workspace), "10", date(2026, 1, 1))
    customer.workspace.delete()
    assert not MrrMovement.objects.exists()
