"""No input a user can type gives a 500. Every workspace route (found by walking the resolver,
so new routes are covered without editing this file) is requested with real ids of the
workspace and with hostile query strings and form data; any answer is fine but a server error.
"""

import pytest

from tests.playbook.test_tenancy import _workspace_routes, fill, missing_kinds, missing_message
from tests.world import build_world, first_ids

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
    "window", "hidden", "until", "expected_mrr", "close_date", "subscription", "time_zone",
    "renewal_grace_days", "engagement_days", "weight_nps", "score", "responded_on", "contact",
    "comment", "occurred_on", "forecast_category", "category", "closing", "stale",
    "upsell", "upcoming", "outcome", "everyone",
}  # fmt: skip


@pytest.fixture
def populated(workspace, admin):
    return first_ids(build_world(workspace, admin.user))


ROUTES = _workspace_routes()


def test_every_route_kwarg_has_a_real_id(populated):
    for _, route in ROUTES:
        assert not missing_kinds(route, populated), missing_message(
            route, missing_kinds(route, populated)
        )


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n or r for n, r in ROUTES])
def test_hostile_input_never_gives_a_server_error(admin_client, workspace, populated, name, route):
    url = fill(route, workspace.slug, populated)
    for value in HOSTILE_VALUES:
        data = dict.fromkeys(FIELD_NAMES, value)
        # htmx requests take other branches in some views; one hostile value suffices there.
        variants = ({}, {"HTTP_HX_REQUEST": "true"}) if value == "abc" else ({},)
        for headers in variants:
            got = admin_client.get(url, data, **headers)
            assert got.status_code < 500, (url, "GET", repr(value))
            posted = admin_client.post(url, data, **headers)
            assert posted.status_code < 500, (url, "POST", repr(value))
