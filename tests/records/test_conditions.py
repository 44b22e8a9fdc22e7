"""The condition language's two forms agree: for every kind, the SQL form selects exactly the
records the Python form says meet it, over many generated records."""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from records import conditions
from records.conditions import ConditionKind
from records.conditions.kinds import CUSTOMER_KINDS
from records.models import Record
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db

CONDITIONS = [
    ("field_present", {"field": "industry"}),
    ("field_present", {"field": "owner"}),
    ("field_present", {"field": "expected_arr"}),
    ("field_present", {"field": "custom:budget"}),
    ("field_in", {"field": "industry", "values": ["Software", "Fintech"]}),
    ("field_in", {"field": "revenue_band", "values": ["1m_10m", "10m_50m"]}),
    ("field_in", {"field": "custom:crm", "values": ["HubSpot"]}),
    ("number_range", {"field": "employee_count", "min": "50", "max": "500"}),
    ("number_range", {"field": "employee_count", "max": "80"}),
    ("number_range", {"field": "custom:seats", "min": "10", "max": "100"}),
    ("contact_phone_valid", {}),
    ("contact_email_valid", {}),
    ("contact_seniority_in", {"values": ["c_level", "vp"]}),
    ("contact_title_contains", {"values": ["sales", "Revenue"]}),
    ("activity_done", {"activity_kind": "demo"}),
    ("activity_done", {"activity_kind": "call", "within_days": 30}),
    ("activity_count", {"min_count": 3, "within_days": 60}),
    ("activity_count", {"min_count": 2, "within_days": 400, "activity_kind": "email"}),
    ("flag_set", {"flag": "problem_acknowledged"}),
    ("has_contact", {}),
    ("icp_at_least", {"min": 40}),
]


def generated_records(workspace, owner, n=60, seed=7):
    rng = random.Random(seed)
    now = timezone.now()
    records = []
    for _ in range(n):
        custom = {}
        if rng.random() < 0.5:
            custom["seats"] = rng.choice([5, 10, 50.5, 100, 101, "12", True])
        if rng.random() < 0.5:
            custom["crm"] = rng.choice(["HubSpot", "Salesforce", ""])
        if rng.random() < 0.4:
            custom["budget"] = rng.choice(["approved", "", None, [], 0, False])
        record = RecordFactory(
            workspace=workspace,
            industry=rng.choice(["Software", "Fintech", "Retail", ""]),
            employee_count=rng.choice([None, 10, 50, 80, 500, 501, 3000]),
            revenue_band=rng.choice(["", "lt_1m", "1m_10m", "10m_50m"]),
            expected_arr=rng.choice([None, 1000]),
            owner=rng.choice([None, owner]),
            problem_acknowledged=rng.random() < 0.5,
            icp_score=rng.choice([None, 10, 40, 90]),
            custom_fields=custom,
        )
        for c in range(rng.choice([0, 1, 2, 3])):
            ContactFactory(
                record=record,
                is_primary=c == 0,
                phone_valid=rng.random() < 0.5,
                email_valid=rng.random() < 0.5,
                email=rng.choice(["", "a@example.com"]),
                phone_raw=rng.choice(["", "+1 415 555 0100"]),
                seniority=rng.choice(["", "c_level", "vp", "manager"]),
                job_title=rng.choice(["", "VP Sales", "Head of Revenue", "Engineer", "SALES lead"]),
            )
        for _ in range(rng.choice([0, 1, 3, 6])):
            ActivityFactory(
                record=record,
                kind=rng.choice(["demo", "call", "email", "note"]),
                done=rng.random() < 0.8,
                occurred_at=now - timedelta(days=rng.choice([1, 29, 31, 59, 61, 200, 500])),
            )
        records.append(record)
    return records, now


def test_python_and_sql_forms_agree_on_every_kind(workspace, admin):
    # The customer kinds (has a subscription / an expansion) are stage rules only, registered by
    # the customers app with a Python form alone: tests/customers/test_won.py covers them.
    assert {kind for kind, _ in CONDITIONS} == set(ConditionKind.values) - CUSTOMER_KINDS
    records, now = generated_records(workspace, admin.user)
    for kind, params in CONDITIONS:
        in_sql = set(
            Record.objects.of(workspace)
            .filter(conditions.sql_condition(kind, params, now))
            .values_list("pk", flat=True)
        )
        in_python = {
            r.pk
            for r in records
            if conditions.evaluate_condition(
                kind, params, conditions.load_facts(r, [(kind, params)], now=now)
            )
        }
        assert in_sql == in_python, (kind, params)
        assert 0 < len(in_python) < len(records), (kind, params)  # the data tells them apart


def test_seniority_title_and_activity_count(workspace):
    record = RecordFactory(workspace=workspace)
    ContactFactory(record=record, is_primary=False, seniority="vp", job_title="VP Sales")
    facts = conditions.load_facts(
        record,
        [
            ("contact_seniority_in", {"values": ["vp"]}),
            ("activity_count", {"min_count": 2, "within_days": 30}),
        ],
    )
    # Only the primary contact counts.
    assert not conditions.evaluate_condition("contact_seniority_in", {"values": ["vp"]}, facts)
    ContactFactory(record=record, is_primary=True, seniority="vp", job_title="Chief Revenue")
    ActivityFactory(record=record, kind="call", done=True)
    ActivityFactory(record=record, kind="email", done=True)
    ActivityFactory(record=record, kind="email", done=False)
    wanted = [
        ("contact_seniority_in", {"values": ["vp"]}),
        ("contact_title_contains", {"values": ["revenue"]}),
        ("activity_count", {"min_count": 2, "within_days": 30}),
        ("activity_count", {"min_count": 2, "within_days": 30, "activity_kind": "email"}),
    ]
    facts = conditions.load_facts(record, wanted)
    assert [conditions.evaluate_condition(k, p, facts) for k, p in wanted] == [
        True,
        True,
        True,
        False,
    ]


def test_facts_for_any_number_of_conditions_cost_two_queries(
    workspace, django_assert_max_num_queries
):
    record = RecordFactory(workspace=workspace)
    with django_assert_max_num_queries(2):
        conditions.load_facts(record, CONDITIONS * 3)


def clean(workspace, kind, **params):
    return conditions.clean_params(kind, params, conditions.available_fields(workspace))


def test_values_lists_are_bounded_and_checked(workspace):
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "contact_title_contains", values=",".join(["w"] * 10_000))
    assert "values" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "contact_title_contains", values="x" * 61)
    assert "values" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "contact_seniority_in", values=["vp", "emperor"])
    assert "emperor" in str(exc.value)
    assert clean(workspace, "contact_seniority_in", values=["vp", "vp"]) == {"values": ["vp"]}


def test_activity_count_parameters(workspace):
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "activity_count", min_count="0", within_days="30")
    assert "min_count" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "activity_count", min_count="2")
    assert "within_days" in exc.value.message_dict
    assert clean(workspace, "activity_count", min_count="2", within_days="30") == {
        "min_count": 2,
        "within_days": 30,
    }


def test_custom_field_conditions_name_unknown_fields(workspace):
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", kind="number")
    assert clean(workspace, "number_range", field="custom:seats", min="5")
    with pytest.raises(ValidationError) as exc:
        clean(workspace, "number_range", field="custom:nope", min="5")
    assert "Unknown field" in str(exc.value.message_dict["field"])
