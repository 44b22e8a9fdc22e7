"""The rule engine: every kind met and unmet, typed parameters, constant queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pipeline import rules
from pipeline.models import QualificationRule, RuleKind
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db


def rule(kind, **params):
    return QualificationRule(kind=kind, params=params, message=f"{kind} unmet")


def met(record, kind, **params):
    [result] = rules.evaluate(record, [rule(kind, **params)])
    return result.met


def test_field_present(workspace):
    record = RecordFactory(workspace=workspace, expected_arr=None, industry="")
    assert not met(record, RuleKind.FIELD_PRESENT, field="expected_arr")
    assert not met(record, RuleKind.FIELD_PRESENT, field="industry")
    record.expected_arr, record.industry = Decimal("1000"), "Software"
    assert met(record, RuleKind.FIELD_PRESENT, field="expected_arr")
    assert met(record, RuleKind.FIELD_PRESENT, field="industry")


def test_field_present_owner_and_custom_field(workspace, admin):
    record = RecordFactory(workspace=workspace, custom_fields={})
    assert not met(record, RuleKind.FIELD_PRESENT, field="owner")
    assert not met(record, RuleKind.FIELD_PRESENT, field="custom:budget")
    record.owner, record.custom_fields = admin.user, {"budget": "approved"}
    assert met(record, RuleKind.FIELD_PRESENT, field="owner")
    assert met(record, RuleKind.FIELD_PRESENT, field="custom:budget")


def test_field_in(workspace):
    record = RecordFactory(workspace=workspace, industry="Retail")
    assert not met(record, RuleKind.FIELD_IN, field="industry", values=["Software", "Fintech"])
    record.industry = "Fintech"
    assert met(record, RuleKind.FIELD_IN, field="industry", values=["Software", "Fintech"])
    record.industry = ""
    assert not met(record, RuleKind.FIELD_IN, field="industry", values=["Software"])


def test_number_range(workspace):
    record = RecordFactory(workspace=workspace, employee_count=None)
    assert not met(record, RuleKind.NUMBER_RANGE, field="employee_count", min="50")
    record.employee_count = 40
    assert not met(record, RuleKind.NUMBER_RANGE, field="employee_count", min="50", max="500")
    record.employee_count = 50
    assert met(record, RuleKind.NUMBER_RANGE, field="employee_count", min="50", max="500")
    record.employee_count = 501
    assert not met(record, RuleKind.NUMBER_RANGE, field="employee_count", min="50", max="500")
    assert met(record, RuleKind.NUMBER_RANGE, field="employee_count", min="50")
    assert not met(record, RuleKind.NUMBER_RANGE, field="employee_count", max="500")


def test_number_range_on_a_custom_number_field(workspace):
    record = RecordFactory(workspace=workspace, custom_fields={"seats": 12})
    assert met(record, RuleKind.NUMBER_RANGE, field="custom:seats", min="10")
    record.custom_fields = {"seats": "not a number"}
    assert not met(record, RuleKind.NUMBER_RANGE, field="custom:seats", min="10")


def test_contact_phone_and_email_valid(workspace):
    record = RecordFactory(workspace=workspace)
    assert not met(record, RuleKind.CONTACT_PHONE_VALID)
    assert not met(record, RuleKind.CONTACT_EMAIL_VALID)
    # A valid secondary contact does not count: the rule is about the primary one.
    ContactFactory(record=record, is_primary=False, phone_valid=True, email_valid=True)
    assert not met(record, RuleKind.CONTACT_PHONE_VALID)
    ContactFactory(record=record, is_primary=True, phone_valid=False, email_valid=True)
    assert not met(record, RuleKind.CONTACT_PHONE_VALID)
    assert met(record, RuleKind.CONTACT_EMAIL_VALID)


def test_icp_at_least(workspace):
    record = RecordFactory(workspace=workspace, icp_score=None)
    assert not met(record, RuleKind.ICP_AT_LEAST, min=50)
    record.icp_score = 49
    assert not met(record, RuleKind.ICP_AT_LEAST, min=50)
    record.icp_score = 50
    assert met(record, RuleKind.ICP_AT_LEAST, min=50)


def test_activity_done_with_and_without_a_window(workspace):
    record = RecordFactory(workspace=workspace)
    assert not met(record, RuleKind.ACTIVITY_DONE, activity_kind="demo")
    ActivityFactory(record=record, kind="demo", done=False)
    assert not met(record, RuleKind.ACTIVITY_DONE, activity_kind="demo")
    ActivityFactory(
        record=record, kind="demo", done=True, occurred_at=timezone.now() - timedelta(days=40)
    )
    assert met(record, RuleKind.ACTIVITY_DONE, activity_kind="demo")
    assert not met(record, RuleKind.ACTIVITY_DONE, activity_kind="demo", within_days=30)
    ActivityFactory(record=record, kind="demo", done=True)
    assert met(record, RuleKind.ACTIVITY_DONE, activity_kind="demo", within_days=30)
    assert not met(record, RuleKind.ACTIVITY_DONE, activity_kind="meeting")


def test_flag_set(workspace):
    record = RecordFactory(workspace=workspace, buying_intent=False)
    assert not met(record, RuleKind.FLAG_SET, flag="buying_intent")
    record.buying_intent = True
    assert met(record, RuleKind.FLAG_SET, flag="buying_intent")


def test_has_contact(workspace):
    record = RecordFactory(workspace=workspace)
    assert not met(record, RuleKind.HAS_CONTACT)
    ContactFactory(record=record, email="", phone_raw="")
    assert not met(record, RuleKind.HAS_CONTACT)
    ContactFactory(record=record, email="", phone_raw="+49 30 1234")
    assert met(record, RuleKind.HAS_CONTACT)


def test_evaluation_reads_a_constant_number_of_queries(workspace, django_assert_max_num_queries):
    record = RecordFactory(workspace=workspace)
    many = [rule(RuleKind.ACTIVITY_DONE, activity_kind=k) for k in ("demo", "call", "meeting")]
    many += [rule(RuleKind.CONTACT_PHONE_VALID), rule(RuleKind.CONTACT_EMAIL_VALID)]
    many += [rule(RuleKind.HAS_CONTACT), rule(RuleKind.FLAG_SET, flag="buying_intent")]
    for _ in range(5):
        ContactFactory(record=record)
        ActivityFactory(record=record, kind="call", done=True)
    with django_assert_max_num_queries(2):
        results = rules.evaluate(record, many * 3)
    assert len(results) == 21
    with django_assert_max_num_queries(0):
        rules.evaluate(record, [rule(RuleKind.FLAG_SET, flag="buying_intent")])


# --- parameters -------------------------------------------------------------------------------


def clean(workspace, kind, **params):
    return rules.clean_params(kind, params, rules.available_fields(workspace))


def messages_of(excinfo):
    exc = excinfo.value
    return exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}


def test_params_are_typed(workspace):
    assert clean(workspace, RuleKind.ICP_AT_LEAST, min="60") == {"min": 60}
    assert clean(workspace, RuleKind.NUMBER_RANGE, field="expected_arr", min="1000.50") == {
        "field": "expected_arr",
        "min": "1000.50",
    }
    assert clean(workspace, RuleKind.FIELD_IN, field="industry", values="Software, Fintech") == {
        "field": "industry",
        "values": ["Software", "Fintech"],
    }
    assert clean(workspace, RuleKind.ACTIVITY_DONE, activity_kind="demo", within_days="14") == {
        "activity_kind": "demo",
        "within_days": 14,
    }


@pytest.mark.parametrize(
    ("kind", "params", "field", "fragment"),
    [
        (RuleKind.ICP_AT_LEAST, {"min": "high"}, "min", "must be a number"),
        (RuleKind.ICP_AT_LEAST, {"min": "101"}, "min", "at most 100"),
        (RuleKind.ICP_AT_LEAST, {"min": "5.5"}, "min", "whole number"),
        (RuleKind.ICP_AT_LEAST, {}, "min", "is required"),
        (RuleKind.FIELD_PRESENT, {"field": "favourite_colour"}, "field", "Unknown field"),
        (RuleKind.NUMBER_RANGE, {"field": "industry", "min": "1"}, "field", "cannot be used"),
        (RuleKind.NUMBER_RANGE, {"field": "employee_count"}, "min", "minimum, a maximum"),
        (
            RuleKind.NUMBER_RANGE,
            {"field": "employee_count", "min": "10", "max": "5"},
            "max",
            "below the minimum",
        ),
        (RuleKind.NUMBER_RANGE, {"field": "employee_count", "min": "ten"}, "min", "a number"),
        (RuleKind.FIELD_IN, {"field": "source", "values": "carrier pigeon"}, "values", "Not a"),
        (RuleKind.FIELD_IN, {"field": "industry", "values": " , "}, "values", "at least one"),
        (RuleKind.FLAG_SET, {"flag": "is_vip"}, "flag", "not one of the choices"),
        (
            RuleKind.ACTIVITY_DONE,
            {"activity_kind": "demo", "within_days": "x"},
            "within_days",
            "a number",
        ),
        # Valid Decimals that int() or the description would take minutes to expand.
        (RuleKind.ICP_AT_LEAST, {"min": "1e999999999"}, "min", "at most 15 digits"),
        (
            RuleKind.ACTIVITY_DONE,
            {"activity_kind": "demo", "within_days": "9" * 4000},
            "within_days",
            "at most 15 digits",
        ),
        (
            RuleKind.NUMBER_RANGE,
            {"field": "expected_arr", "max": "1e999999999"},
            "max",
            "at most 15 digits",
        ),
        (
            RuleKind.NUMBER_RANGE,
            {"field": "expected_arr", "min": "1e-999999999"},
            "min",
            "6 after it",
        ),
    ],
)
def test_params_that_do_not_fit_the_kind_are_refused(workspace, kind, params, field, fragment):
    with pytest.raises(ValidationError) as excinfo:
        clean(workspace, kind, **params)
    errors = messages_of(excinfo)
    assert field in errors, errors
    assert any(fragment in m for m in errors[field]), errors


def test_numbers_within_the_bounds_are_kept(workspace):
    params = clean(
        workspace, RuleKind.NUMBER_RANGE, field="expected_arr", min="-5", max="999999999999999.5"
    )
    assert params == {"field": "expected_arr", "min": "-5", "max": "999999999999999.5"}


def test_unknown_parameters_are_refused(workspace):
    with pytest.raises(ValidationError) as excinfo:
        clean(workspace, RuleKind.FLAG_SET, flag="buying_intent", colour="blue")
    assert "unknown parameter(s) colour" in excinfo.value.messages[0]


def test_custom_fields_of_the_workspace_only(workspace, other_workspace):
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
    CustomFieldDefinitionFactory(workspace=other_workspace, key="budget", kind="text")
    assert clean(workspace, RuleKind.NUMBER_RANGE, field="custom:seats", min="5")
    with pytest.raises(ValidationError):
        clean(workspace, RuleKind.FIELD_PRESENT, field="custom:budget")


def test_describe_says_the_criterion_in_words(workspace):
    fields = rules.available_fields(workspace)
    assert rules.describe(rule(RuleKind.ICP_AT_LEAST, min=50), fields) == "ICP score at least 50"
    assert (
        rules.describe(rule(RuleKind.NUMBER_RANGE, field="employee_count", min="50"), fields)
        == "Employees at least 50"
    )
    assert (
        rules.describe(rule(RuleKind.ACTIVITY_DONE, activity_kind="demo", within_days=30), fields)
        == "A demo activity done in the last 30 days"
    )
    assert rules.describe(rule(RuleKind.FLAG_SET, flag="buying_intent"), fields) == (
        "Buying intent confirmed"
    )
