"""The Subscriptions page and its actions over HTTP: each action's ledger row, bad input,
stale forms, roles, another workspace's ids."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import MrrMovement, Subscription
from tests.conftest import login_as


@pytest.fixture
def customer(won_record):
    return won_record(mrr="100")


def _detail(record):
    return reverse("customers:detail", args=[record.workspace.slug, record.pk])


def _act(sub, action):
    return reverse(f"customers:subscription_{action}", args=[sub.workspace.slug, sub.pk])


def _sub(record):
    return Subscription.objects.get(record=record, plan="Pro")


def test_the_page_shows_subscriptions_history_and_kinds(
    client, customer, team, django_assert_max_num_queries
):
    login_as(client, team["csm"])
    with django_assert_max_num_queries(19):  # constant in the history length
        page = client.get(_detail(customer))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Pro" in body and "New" in body and "Upsell" in body and "Cancel" in body
    record_page = client.get(reverse("records:detail", args=[customer.workspace.slug, customer.pk]))
    assert _detail(customer) in record_page.content.decode()


def _record_page(record):
    return reverse("records:detail", args=[record.workspace.slug, record.pk])


def test_subscriptions_is_a_tab_of_the_record_page(
    client, customer, team, make_record, django_assert_max_num_queries
):
    login_as(client, team["csm"])
    # The record page's own (its timeline reads four sources, and the records merged into it),
    # + 1 for the customer.
    with django_assert_max_num_queries(30):
        page = client.get(_record_page(customer))
    body = page.content.decode()
    # The record page: Overview selected, Subscriptions a link that htmx loads in place.
    assert 'role="tablist"' in body and 'id="record-tab"' in body
    overview = _record_page(customer)
    assert f'id="tab-overview" href="{overview}" aria-selected="true"' in body
    assert f'hx-get="{_detail(customer)}" hx-target="#record-tab"' in body
    assert 'hx-push-url="true"' in body
    # With htmx: only the tab (the tabs and the subscriptions), in a bounded number of queries.
    with django_assert_max_num_queries(19):
        tab = client.get(_detail(customer), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="record-tab")
    fragment = tab.content.decode()
    assert tab.status_code == 200 and "HX-Request" in tab["Vary"] and "HX-Target" in tab["Vary"]
    assert fragment.lstrip().startswith('<div id="record-tab">') and "<html" not in fragment
    assert 'id="tab-subscriptions"' in fragment and 'aria-selected="true"' in fragment
    assert "Pro" in fragment and "MRR history of" in fragment
    # Without JS the same address is the whole page, with the same tabs (Subscriptions chosen).
    whole = client.get(_detail(customer)).content.decode()
    assert "<html" in whole and 'id="tab-subscriptions"' in whole and "MRR history of" in whole
    # A record that never was a customer has no tabs.
    prospect = make_record("lead")
    assert 'role="tablist"' not in client.get(_record_page(prospect)).content.decode()


def test_each_action_writes_one_ledger_row(client, customer, team):
    login_as(client, team["csm"])
    sub = _sub(customer)
    today = customer.workspace.today()
    steps = [
        ("upsell", {"mrr": "150", "effective_on": today}, "expansion"),
        ("downgrade", {"mrr": "120", "effective_on": today}, "contraction"),
        ("renew", {"mrr": "", "term_months": ""}, None),
        ("cancel", {"reason": "price"}, "churn"),
        ("reactivate", {"mrr": "90"}, "reactivation"),
    ]
    for action, data, kind in steps:
        sub.refresh_from_db()
        answer = client.post(_act(sub, action), {"version": sub.version, **data})
        assert answer.status_code == 302, (action, answer.content.decode()[:2000])
        row = MrrMovement.objects.filter(subscription=sub).latest("id")
        from customers.models import ClassifiedMovement

        assert ClassifiedMovement.objects.get(pk=row.pk).kind == kind, action
    added = client.post(
        reverse("customers:subscription_add", args=[customer.workspace.slug, customer.pk]),
        {"plan": "Add-on", "mrr": "30", "started_on": today, "term_months": "12"},
    )
    assert added.status_code == 302
    assert Subscription.objects.filter(record=customer).count() == 2


@pytest.mark.parametrize(
    "action, data, message",
    [
        ("upsell", {"mrr": "50"}, "An upsell raises the MRR"),
        ("downgrade", {"mrr": "500"}, "A downgrade lowers the MRR"),
        ("upsell", {"mrr": "-1"}, "MRR must be more than 0"),
        ("upsell", {"mrr": "200", "effective_on": "2025-02-30"}, "is not a date"),
        ("cancel", {"reason": "bored"}, "Select a valid choice"),
        ("reactivate", {"mrr": "100"}, "never cancelled"),
    ],
)
def test_bad_input_answers_400_with_the_reason_and_saves_nothing(
    client, customer, team, action, data, message
):
    login_as(client, team["csm"])
    sub = _sub(customer)
    data = {"version": sub.version, "effective_on": customer.workspace.today(), **data}
    answer = client.post(_act(sub, action), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert MrrMovement.objects.filter(subscription=sub).count() == 1


def test_a_future_date_and_a_cancelled_subscription_are_refused(client, customer, team):
    login_as(client, team["renewals"])
    sub = _sub(customer)
    tomorrow = customer.workspace.today() + timedelta(days=1)
    answer = client.post(
        _act(sub, "upsell"), {"version": sub.version, "mrr": "200", "effective_on": tomorrow}
    )
    assert answer.status_code == 400 and "cannot be in the future" in answer.content.decode()
    client.post(_act(sub, "cancel"), {"version": sub.version, "reason": "price"})
    sub.refresh_from_db()
    answer = client.post(_act(sub, "cancel"), {"version": sub.version, "reason": "price"})
    assert answer.status_code == 400 and "already cancelled" in answer.content.decode()


def test_a_stale_form_is_refused_with_409(client, customer, team):
    login_as(client, team["csm"])
    sub = _sub(customer)
    shown = sub.version
    today = customer.workspace.today()
    client.post(_act(sub, "upsell"), {"version": shown, "mrr": "150", "effective_on": today})
    answer = client.post(
        _act(sub, "downgrade"), {"version": shown, "mrr": "90", "effective_on": today}
    )
    assert answer.status_code == 409 and "Someone else changed" in answer.content.decode()
    assert Subscription.objects.get(pk=sub.pk).mrr == Decimal("150")


def test_other_roles_read_but_cannot_change(client, customer, team):
    login_as(client, team["ae"])
    sub = _sub(customer)
    page = client.get(_detail(customer)).content.decode()
    assert "you can read them" in page and 'aria-label="Cancel' not in page
    answer = client.post(_act(sub, "cancel"), {"version": sub.version, "reason": "price"})
    assert answer.status_code == 403
    assert Subscription.objects.get(pk=sub.pk).is_active


def test_another_workspaces_ids_are_404(client, team, other_workspace, member_factory):
    from datetime import date

    from customers.services import subscription_start
    from tests.factories import RecordFactory

    foreign = RecordFactory(workspace=other_workspace)
    sub = subscription_start(
        workspace=other_workspace,
        record=foreign,
        mrr="10",
        started_on=date(2026, 1, 1),
        actor=None,
    )
    login_as(client, team["admin"])
    slug = team["admin"].workspace.slug
    assert client.get(reverse("customers:detail", args=[slug, foreign.pk])).status_code == 404
    for action in ("upsell", "downgrade", "renew", "cancel", "reactivate"):
        url = reverse(f"customers:subscription_{action}", args=[slug, sub.pk])
        assert client.post(url, {"version": 1, "mrr": "5", "reason": "price"}).status_code == 404
    url = reverse("customers:subscription_add", args=[slug, foreign.pk])
    assert client.post(url, {}).status_code == 404


def test_action_forms_come_when_opened_and_work_without_js(
    client, customer, team, django_assert_max_num_queries
):
    login_as(client, team["csm"])
    sub = _sub(customer)
    page = client.get(_detail(customer)).content.decode()
    # Not rendered on the page: each action is a <details> that fetches its form with htmx,
    # with a link to the page with that form open for browsers without JS.
    assert 'aria-label="Upsell' not in page and 'name="version"' not in page
    for action in ("upsell", "downgrade", "renew", "cancel"):
        assert f'hx-get="{_act(sub, action)}"' in page and f'href="{_act(sub, action)}#' in page
    with django_assert_max_num_queries(8):
        form = client.get(_act(sub, "upsell"), HTTP_HX_REQUEST="true")
    html = form.content.decode()
    assert form.status_code == 200 and "<html" not in html
    assert f'action="{_act(sub, "upsell")}"' in html and f'value="{sub.version}"' in html
    assert 'name="mrr"' in html and f'value="{sub.mrr}"' in html
    without_js = client.get(_act(sub, "cancel")).content.decode()
    assert "<html" in without_js and "<details open>" in without_js
    assert 'aria-label="Cancel Pro"' in without_js and 'aria-label="Upsell' not in without_js
    answer = client.post(
        _act(sub, "upsell"),
        {"version": sub.version, "mrr": "150", "effective_on": customer.workspace.today()},
    )
    assert answer.status_code == 302 and Subscription.objects.get(pk=sub.pk).mrr == Decimal("150")


def test_readers_get_no_action_form_and_other_workspaces_forms_are_404(
    client, customer, team, other_workspace, member_factory
):
    sub = _sub(customer)
    login_as(client, team["ae"])
    assert client.get(_act(sub, "upsell"), HTTP_HX_REQUEST="true").status_code == 403
    login_as(client, member_factory(other_workspace, "admin"))
    url = reverse("customers:subscription_upsell", args=[other_workspace.slug, sub.pk])
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
