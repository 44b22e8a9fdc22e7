"""The CSM home's figures (customers.selectors.success, surveys) on hand-made customers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import SurveyResponse
from customers.selectors import success as csm
from customers.selectors.surveys import scores
from customers.services.won import HANDOFF_CALL_SUBJECT
from tests.customers.homes import customer
from tests.factories import ActivityFactory
from tests.pipeline import conftest as pipeline_fixtures

pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

pytestmark = pytest.mark.django_db
DAYS = 30


@pytest.fixture
def book(pipeline_ws, make_record, team):
    """The CSM's four customers (health 30, 50, 80, unscored) and someone else's."""
    me, now = team["csm"].user, timezone.now()
    made = {
        "h30": customer(
            make_record, csm=me, mrr="100", health=30, last_activity_at=now - timedelta(days=40)
        ),
        "h50": customer(make_record, csm=me, mrr="200", health=50, last_activity_at=now),
        "h80": customer(make_record, csm=me, mrr="300", health=80),
        "none": customer(make_record, csm=me, mrr="400"),
        "theirs": customer(make_record, csm=team["admin"].user, mrr="999", health=10),
    }
    return {key: record for key, (record, _sub) in made.items()}


def test_customers_by_health_worst_band_first_with_arr(
    pipeline_ws, book, team, django_assert_num_queries
):
    with django_assert_num_queries(2):
        got = csm.customers_by_health(
            pipeline_ws,
            csm_id=team["csm"].user_id,
            today=pipeline_ws.today(),
        )
    assert [(b.key, b.count, b.arr) for b in got.bands] == [
        ("critical", 1, Decimal("1200")),
        ("at_risk", 1, Decimal("2400")),
        ("healthy", 1, Decimal("3600")),
        ("unscored", 1, Decimal("4800")),
    ]
    assert [c.health_score for c in got.worst] == [30, 50, 80] and got.total == 4
    everyone = csm.customers_by_health(pipeline_ws, csm_id=None, today=pipeline_ws.today())
    assert everyone.bands[0].count == 2 and everyone.worst[0].health_score == 10


def test_engagements_due_quietest_first(pipeline_ws, book, team, django_assert_num_queries):
    with django_assert_num_queries(3):
        due = csm.engagements_due(
            pipeline_ws,
            csm_id=team["csm"].user_id,
            today=pipeline_ws.today(),
            engagement_days=DAYS,
        )
    # Never engaged (h80, none) first, then h30 (40 days); h50 was engaged today.
    assert due.count == 3 and due.arr == Decimal("9600")
    assert [c.record_id for c in due.customers] == [book["h80"].pk, book["none"].pk, book["h30"].pk]


def test_survey_scores_of_the_csms_customers(pipeline_ws, book, team):
    today = pipeline_ws.today()
    for record, kind, score in (
        (book["h80"], "nps", 10),
        (book["h30"], "nps", 3),
        (book["h50"], "csat", 5),
        (book["theirs"], "nps", 0),
    ):
        SurveyResponse.objects.create(
            workspace=pipeline_ws, record=record, kind=kind, score=score, responded_on=today
        )
    got = scores(pipeline_ws, owner_id=team["csm"].user_id, today=today)
    # One promoter, one detractor of two: NPS 0; one CSAT answer of 5: 100 %.
    assert (got.nps, got.nps_responses, got.csat) == (0, 2, 100)


def test_handoffs_not_yet_called_are_the_open_handoff_call_tasks(
    pipeline_ws, book, team, django_assert_num_queries
):
    me, soon = team["csm"].user, timezone.now() + timedelta(days=1)
    first = ActivityFactory(
        record=book["h30"], kind="task", subject=HANDOFF_CALL_SUBJECT, assignee=me, due_at=soon
    )
    ActivityFactory(
        record=book["h50"], kind="task", subject=HANDOFF_CALL_SUBJECT, assignee=me, due_at=None
    )
    ActivityFactory(
        record=book["h80"],
        kind="task",
        subject=HANDOFF_CALL_SUBJECT,
        assignee=me,
        done=True,
        done_at=timezone.now(),
    )
    ActivityFactory(record=book["h80"], kind="task", subject="Send the QBR deck", assignee=me)
    ActivityFactory(
        record=book["theirs"],
        kind="task",
        subject=HANDOFF_CALL_SUBJECT,
        assignee=team["admin"].user,
    )
    with django_assert_num_queries(2):
        got = csm.handoffs_not_called(pipeline_ws, csm_id=me.pk)
    assert got.count == 2 and got.tasks[0] == first
    assert csm.handoffs_not_called(pipeline_ws, csm_id=None).count == 3
