"""seed_demo's customers: subscriptions whose ledger adds up, NPS/CSAT answers, CS engagements
on the timeline and health scores that explain themselves, so every customers page has data."""

from datetime import timedelta

import pytest
from django.db.models import Max, Sum
from django.utils import timezone

import customers.demo
import pipeline.demo
import records.demo
import records.icp_demo
from customers import selectors
from customers.models import Customer, Subscription, SurveyResponse
from playbook import demo
from playbook.models import User
from records.models import Activity, Record

pytestmark = pytest.mark.django_db
CS_KINDS = {"training", "qbr", "support", "meeting"}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ctx = demo.seed_workspace(slug="demo-cust", name="Demo", records=300)
        records.demo.seed(ctx)
        records.icp_demo.seed(ctx)
        pipeline.demo.seed(ctx)
        customers.demo.seed(ctx)
        records.icp_demo.seed(ctx)
        yield ctx
        Record.objects.filter(workspace=ctx.workspace).delete()
        ctx.workspace.delete()
        User.objects.filter(pk__in=[u.pk for u in ctx.users]).delete()


def test_every_customer_has_a_consistent_ledger(seeded):
    ws = seeded.workspace
    paying = Customer.objects.of(ws)
    assert paying.count() > 10
    active = dict(
        Subscription.objects.of(ws)
        .filter(status="active")
        .values("record_id")
        .annotate(total=Sum("mrr"))
        .values_list("record_id", "total")
    )
    for customer in paying:
        assert customer.mrr == active.get(customer.record_id, 0)
        assert customer.mrr == selectors.current_mrr(ws, customer.record)


def test_customers_have_nps_and_csat_answers_in_range(seeded):
    ws = seeded.workspace
    # Every customer of more than three months was surveyed (the first survey comes 1-3 months
    # after the win).
    settled = Customer.objects.of(ws).filter(won_at__lte=timezone.now() - timedelta(days=91))
    ids = set(settled.values_list("record_id", flat=True))
    assert len(ids) > 10
    answers = SurveyResponse.objects.of(ws)
    nps, csat = answers.filter(kind="nps"), answers.filter(kind="csat")
    assert ids <= set(nps.values_list("record_id", flat=True))
    assert csat.exists()
    assert all(0 <= s <= 10 for s in nps.values_list("score", flat=True))
    assert all(1 <= s <= 5 for s in csat.values_list("score", flat=True))
    # A spread of promoters, passives and detractors, so NPS is neither 100 nor -100.
    assert {s >= 9 for s in nps.values_list("score", flat=True)} == {True, False}
    contacts = set(answers.exclude(contact=None).values_list("contact__record_id", "record_id"))
    assert all(a == b for a, b in contacts)  # a contact of the customer who answered
    scores = selectors.scores(ws, today=ws.today())
    assert scores.nps is not None and scores.csat is not None
    assert -100 < scores.nps < 100 and scores.arr_weighted_nps is not None


def test_engagements_are_on_the_timeline_and_set_the_last_activity(seeded):
    ws = seeded.workspace
    ids = list(Customer.objects.of(ws).values_list("record_id", flat=True))
    engagements = Activity.objects.of(ws).filter(record_id__in=ids, kind__in=CS_KINDS)
    assert set(engagements.values_list("kind", flat=True)) == CS_KINDS
    assert set(engagements.values_list("record_id", flat=True)) == set(ids)  # onboarding
    assert not engagements.filter(done=False).exists()
    owners = dict(Record.objects.of(ws).filter(pk__in=ids).values_list("pk", "owner_id"))
    by_csm = {(r, a) for r, a in engagements.values_list("record_id", "actor_id")}
    assert all((pk, owner) in by_csm for pk, owner in owners.items())  # the CSM logged some
    last = dict(
        Activity.objects.of(ws)
        .filter(record_id__in=ids, done=True)
        .values("record_id")
        .annotate(last=Max("done_at"))
        .values_list("record_id", "last")
    )
    for pk, at in Record.objects.of(ws).filter(pk__in=ids).values_list("pk", "last_activity_at"):
        assert at == last[pk]
    due = selectors.engagements_due_by_csm(ws, engagement_days=30)
    paying = Customer.objects.of(ws).filter(mrr__gt=0).count()
    assert 0 < sum(due.values()) < paying  # some were left alone lately, most were not


def test_every_customer_has_a_health_score_that_explains_itself(seeded):
    ws = seeded.workspace
    scored = list(Customer.objects.of(ws))
    assert all(c.health_score is not None for c in scored)
    for customer in scored:
        points = sum(line["points"] for line in customer.health_explanation if line["met"])
        assert points == customer.health_score
    assert len({c.health_score for c in scored}) > 2  # healthy, at-risk and critical ones
