"""No input a user can type gives a 500. Every workspace route (found by walking the resolver,
so new routes are covered without editing this file) is requested with real ids of the
workspace and with hostile query strings and form data; any answer is fine but a server error.
"""

from datetime import date

import pytest

from customers.services import subscription_start
from playbook.models import Role
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import IcpProfile
from tests.customers.world import customer_rows
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    InvitationFactory,
    LostReasonFactory,
    MembershipFactory,
    QualificationRuleFactory,
    RecordFactory,
    TargetFactory,
)
from tests.playbook.test_tenancy import _workspace_routes

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "",
    "abc",
    "1e309",
    "-1",
    "99999999999999999999999",
    "2026-13-45",
    "x" * 5000,
    "Ünïcødé ✓ <b>漢字</b> ' OR 1=1 --",
    "a\x00b",
]

# Every field name the app's forms and filters read, each set to one hostile value at a time.
FIELD_NAMES = {
    "name", "domain", "industry", "employee_count", "country", "revenue_band", "source",
    "owner", "status", "expected_arr", "expected_close_date", "version", "q", "sort",
    "cursor", "page_size", "icp_min", "icp_max", "created_after", "created_before",
    "has_overdue_task", "first_name", "last_name", "email", "phone", "job_title",
    "seniority", "is_primary", "kind", "subject", "body", "occurred_at", "due_at",
    "assignee", "done", "key", "label", "choices", "position", "team", "definition",
    "probability", "sla_days", "is_won", "is_closed", "stage", "to_stage", "reason",
    "note", "params", "message", "field", "values", "min", "max", "within_days", "flag",
    "minimum", "role", "is_active", "mine", "column", "direction", "after", "before",
    "weight", "weight_0", "weight_1", "min_count", "activity_kind",
    "metric", "year", "month", "scope", "value", "user", "curve", "curve_id", "edit", "m1",
    "from", "to", "new_arr", "acv", "win_rate", "lead_to_mql", "mql_to_sql",
    "sql_to_opportunity", "sales_cycle_days", "ae_quota", "companies_per_sdr",
    "aes_per_outbound_sdr", "confirm_defaults",
    "plan", "amount", "per", "started_on", "term_months", "auto_renew", "external_id", "goals",
    "stakeholders", "risks", "promises", "csm", "renewal_owner", "mrr", "effective_on", "next",
    "window", "hidden", "until",
}  # fmt: skip


@pytest.fixture
def populated(workspace, admin):
    record = RecordFactory(workspace=workspace, owner=admin.user)
    stage = record.stage or QualificationRuleFactory(stage__workspace=workspace).stage
    rule = stage.rules.first() or QualificationRuleFactory(stage=stage)
    ids = {
        "record_id": record.pk,
        "contact_id": ContactFactory(record=record).pk,
        "activity_id": ActivityFactory(record=record, kind="task", assignee=admin.user).pk,
        "field_id": CustomFieldDefinitionFactory(workspace=workspace).pk,
        "invitation_id": InvitationFactory(workspace=workspace).pk,
        "membership_id": MembershipFactory(workspace=workspace, role=Role.SDR).pk,
        "reason_id": LostReasonFactory(workspace=workspace).pk,
        "rule_id": rule.pk,
        "stage_id": stage.pk,
        # A criterion of the ICP profile, by its place in the list.
        "index": IcpProfile.objects.create(workspace=workspace, criteria=DEFAULT_CRITERIA) and 0,
    }
    subscription = subscription_start(
        workspace=workspace, record=record, mrr="100", started_on=date.today(), actor=None
    )
    ids["subscription_id"] = subscription.pk
    ids.update(customer_rows(workspace, record, subscription, admin.user))
    ids["target_id"] = TargetFactory(workspace=workspace).pk
    return ids


def _url(route, slug, ids):
    out = route.replace("<slug:workspace_slug>", slug)
    for name, value in ids.items():
        out = out.replace(f"<int:{name}>", str(value))
    return out


ROUTES = _workspace_routes()


def test_every_route_kwarg_has_a_real_id(populated):
    for _, route in ROUTES:
        left = _url(route, "s", populated)
        assert "<" not in left, f"add an id for {left} to the `populated` fixture"


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n or r for n, r in ROUTES])
def test_hostile_input_never_gives_a_server_error(admin_client, workspace, populated, name, route):
    url = _url(route, workspace.slug, populated)
    for value in HOSTILE_VALUES:
        data = dict.fromkeys(FIELD_NAMES, value)
        # htmx requests take other branches in some views; one hostile value suffices there.
        variants = ({}, {"HTTP_HX_REQUEST": "true"}) if value == "abc" else ({},)
        for headers in variants:
            got = admin_client.get(url, data, **headers)
            assert got.status_code < 500, (url, "GET", repr(value))
            posted = admin_client.post(url, data, **headers)
            assert posted.status_code < 500, (url, "POST", repr(value))
