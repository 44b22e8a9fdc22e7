"""The set-based renewal job writes exactly the rows the per-subscription job wrote
(tests/customers/renewals_reference.py, the job before it became set-based): the same book of
subscriptions is built in two workspaces, one run by each job over the same days, and every row
they wrote is compared. Also: a second run writes nothing, a run killed half-way is completed by
the next to the same rows, and the statements of a run do not grow with the subscriptions."""

import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from customers import services
from customers.models import (
    ClassifiedMovement,
    Customer,
    MrrMovement,
    RenewalAlert,
    Subscription,
)
from customers.services import renewals
from records.models import Activity
from tests.customers import renewals_reference
from tests.factories import RecordFactory

DAYS = [
    date(2026, 2, 27),
    date(2026, 2, 28),
    date(2026, 2, 28),  # twice the same day
    date(2026, 3, 1),
    date(2026, 3, 31),
    date(2026, 6, 15),  # the job was down for months: missed terms, lapses past their grace
    date(2026, 6, 16),
]


def _book(workspace, owner, *, size=36, seed=8):
    """A deterministic book: one- to twelve-month terms ending around the run days (month ends,
    29 February), auto-renewing or not, with and without plan and billing id, some customers
    with two subscriptions, some without a renewal owner."""
    rng = random.Random(seed)
    subs, record = [], None
    for i in range(size):
        if record is None or rng.random() < 0.7:
            record = RecordFactory(workspace=workspace, name=f"Customer {i:03d}")
            has_owner = rng.random() < 0.85
        months = rng.choice([1, 3, 12, 12, 12])
        started = date(2026, 2, 20) - timedelta(days=rng.randint(0, 500))
        if i % 9 == 0:
            started = date(2024, 2, 29)
        subs.append(
            services.subscription_start(
                workspace=workspace,
                record=record,
                mrr=Decimal(rng.randrange(1000, 900000)) / 100,
                started_on=started,
                term_months=months,
                auto_renew=rng.random() < 0.5,
                plan=rng.choice(["", "Pro", "Enterprise"]),
                external_id=rng.choice(["", f"bill_{i}"]),
                actor=None,
                today=started,
            )
        )
        Customer.objects.filter(record=record).update(renewal_owner=owner if has_owner else None)
    return subs


def _stable(workspace, text: str) -> str:
    """A message with "Subscription <id>" (a subscription without plan or billing id) naming
    the subscription by its place in the book, the same in both workspaces."""
    index = {
        pk: i
        for i, pk in enumerate(
            Subscription.objects.of(workspace).order_by("pk").values_list("pk", flat=True)
        )
    }
    return re.sub(r"Subscription (\d+)", lambda m: f"Subscription #{index[int(m[1])]}", text)


def _snapshot(workspace):
    """Every row the job writes, with workspace-specific ids replaced by stable keys."""
    subs = list(Subscription.objects.of(workspace).order_by("pk"))
    index = {s.pk: i for i, s in enumerate(subs)}
    names = dict(Customer.objects.of(workspace).values_list("record_id", "record__name"))
    tasks = {a.pk: a for a in Activity.objects.of(workspace).filter(kind="task")}
    return {
        "subscriptions": [
            (
                index[s.pk],
                s.mrr,
                s.status,
                s.term_end,
                s.term_months,
                s.version,
                s.cancelled_on,
                s.cancel_reason,
            )
            for s in subs
        ],
        "ledger": [
            (index[m.subscription_id], m.effective_on, m.mrr, m.action, m.reason, m.note)
            for m in MrrMovement.objects.of(workspace).order_by("pk")
        ],
        "kinds": [
            (names[m.record_id], m.effective_on, m.kind, m.customer_mrr_after)
            for m in ClassifiedMovement.objects.of(workspace).order_by("record_id", "pk")
        ],
        "customers": sorted(
            (names[c.record_id], c.mrr, c.health_score, c.renewal_owner_id is not None)
            for c in Customer.objects.of(workspace)
        ),
        "alerts": [
            (
                index[a.subscription_id],
                names[a.record_id],
                a.term_end,
                a.window,
                a.status,
                a.owner_id is not None,
                a.notified_at is not None,
                a.task_id is not None and tasks[a.task_id].subject,
                a.task_id is not None and _stable(workspace, tasks[a.task_id].body),
                a.task_id is not None and tasks[a.task_id].assignee_id == a.owner_id,
                a.task_id is not None and tasks[a.task_id].due_at - tasks[a.task_id].occurred_at,
                a.task_id is not None and tasks[a.task_id].dedupe_key == f"renewal-alert:{a.pk}",
            )
            for a in RenewalAlert.objects.of(workspace).order_by("pk")
        ],
        "tasks": len(tasks),
        "task_order": [tasks[pk].subject for pk in sorted(tasks)],
    }


def _run(job, workspace, day, capture):
    sent = len(mail.outbox)
    with capture(execute=True):  # the after-commit health recompute runs as in production
        counts = job(workspace=workspace, today=day)
    letters = [(m.subject, _stable(workspace, m.body)) for m in mail.outbox[sent:]]
    return counts, letters


@pytest.fixture
def two_books(workspace, other_workspace, member_factory):
    books = []
    for ws in (workspace, other_workspace):
        owner = member_factory(ws, "renewals").user
        settings = services.settings_of(ws)
        settings.renewal_grace_days = 10
        settings.save()
        books.append((ws, _book(ws, owner)))
    return books


def test_the_set_based_job_writes_the_rows_the_per_subscription_job_wrote(
    two_books, django_capture_on_commit_callbacks
):
    (old_ws, _), (new_ws, _) = two_books
    # A price rise dated after a missed term end: the backdated renewal is then an expansion.
    for ws, subs in two_books:
        sub = subs[0]
        sub.refresh_from_db()
        if sub.is_active and sub.term_end < DAYS[0] - timedelta(days=1):
            services.subscription_change_mrr(
                workspace=ws,
                subscription=sub.pk,
                mrr=sub.mrr + 100,
                effective_on=sub.term_end + timedelta(days=1),
                actor=None,
                today=DAYS[0],
            )
    for n, day in enumerate(DAYS):
        old = _run(
            renewals_reference.renewal_job_run, old_ws, day, django_capture_on_commit_callbacks
        )
        new = _run(renewals.renewal_job_run, new_ws, day, django_capture_on_commit_callbacks)
        assert new == old, day
        if n == 1:  # a person dismisses the same alert in both
            for ws in (old_ws, new_ws):
                alert = RenewalAlert.objects.of(ws).order_by("pk")[2]
                services.alert_dismiss(workspace=ws, alert=alert, reason="Renewing by phone")
        assert _snapshot(new_ws) == _snapshot(old_ws), day
    done = _snapshot(new_ws)
    assert done["tasks"] > 10 and any(s[2] == "cancelled" for s in done["subscriptions"])
    assert {r[3] for r in done["ledger"]} >= {"auto_renew", "lapse"}


def test_a_run_killed_half_way_is_resumed_to_the_same_rows(
    two_books, monkeypatch, django_capture_on_commit_callbacks
):
    (whole_ws, _), (killed_ws, _) = two_books
    day = date(2026, 6, 15)
    _run(renewals.renewal_job_run, whole_ws, day, django_capture_on_commit_callbacks)
    monkeypatch.setattr(renewals, "RENEW_CHUNK", 3)
    calls = {"n": 0}
    real = renewals._customers_mrr

    def dies_in_the_third_chunk(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args)

    monkeypatch.setattr(renewals, "_customers_mrr", dies_in_the_third_chunk)
    with pytest.raises(RuntimeError):
        _run(renewals.renewal_job_run, killed_ws, day, django_capture_on_commit_callbacks)
    partly = _snapshot(killed_ws)
    assert 0 < len(partly["ledger"]) < len(_snapshot(whole_ws)["ledger"])
    assert partly["alerts"] == []  # killed before the alerts
    _run(renewals.renewal_job_run, killed_ws, day, django_capture_on_commit_callbacks)
    assert _snapshot(killed_ws) == _snapshot(whole_ws)
    # And a run again that day adds nothing.
    counts, letters = _run(
        renewals.renewal_job_run, killed_ws, day, django_capture_on_commit_callbacks
    )
    assert counts == {"renewed": 0, "churned": 0, "alerts": 0, "tasks": 0, "emails": 0}
    assert letters == [] and _snapshot(killed_ws) == _snapshot(whole_ws)


def test_killed_between_tasks_and_e_mails_the_next_run_mails_once(
    two_books, monkeypatch, django_capture_on_commit_callbacks
):
    (ws, _), _ = two_books
    day = date(2026, 3, 1)

    def killed(**kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(renewals, "alert_emails_send", killed)
        with pytest.raises(RuntimeError):
            renewals.renewal_job_run(workspace=ws, today=day)
    before = _snapshot(ws)
    assert before["tasks"] and not any(a[6] for a in before["alerts"])
    counts, letters = _run(renewals.renewal_job_run, ws, day, django_capture_on_commit_callbacks)
    assert counts["alerts"] == counts["tasks"] == 0 and counts["emails"] == 1
    assert len(letters) == 1 and all(a[6] for a in _snapshot(ws)["alerts"] if a[5])


@pytest.mark.parametrize("size", [4, 40])
def test_the_statements_of_a_run_do_not_grow_with_the_book(
    workspace, member_factory, size, django_assert_max_num_queries
):
    owner = member_factory(workspace, "renewals").user
    _book(workspace, owner, size=size, seed=3)
    with django_assert_max_num_queries(24):
        counts = renewals.renewal_job_run(workspace=workspace, today=date(2026, 6, 15))
    assert counts["alerts"] and counts["renewed"] + counts["churned"]
