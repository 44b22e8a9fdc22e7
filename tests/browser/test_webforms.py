"""A web form in a real browser: an admin creates it, opens its public link, a visitor fills it
in (the honeypot stays out of sight) and gets the thank-you; the lead is in the workspace.
Under the strict CSP, no console errors."""

import pytest

from dataio.models import WebForm
from records.models import Record
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import MembershipFactory, StageDefinitionFactory

pytestmark = pytest.mark.browser


def test_create_a_form_then_send_it_as_a_visitor(page, browser, live_server, workspace):
    admin = MembershipFactory(workspace=workspace)
    StageDefinitionFactory(workspace=workspace, name="Lead", position=0)
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/settings/forms/")
    page.get_by_role("button", name="Create your first form").click()
    page.get_by_label("Name", exact=True).fill("Demo request")
    page.get_by_label("Source of new records").select_option("demo_request")
    page.get_by_label("Phone", exact=True).select_option("required")
    page.get_by_label("Thank-you message").fill("Thanks, we will call you.")
    page.get_by_role("button", name="Create form").click()
    page.wait_for_load_state("networkidle")
    key = WebForm.objects.get(workspace=workspace).key
    public = f"{live_server.url}/f/{key}/"
    assert page.get_by_role("link", name=public).is_visible()
    snippet = page.locator("#snippet").input_value()
    assert f'<form method="post" action="{public}">' in snippet and 'name="website"' in snippet
    assert_no_browser_problems(page)

    visitor = browser.new_context().new_page()
    visitor.goto(public)
    assert not visitor.locator("#id_website").is_visible()
    visitor.get_by_label("First name").fill("Ann")
    visitor.get_by_label("Work e-mail").fill("ann@northwind.com")
    visitor.get_by_label("Company", exact=True).fill("Northwind")
    visitor.get_by_role("button", name="Send").click()
    assert visitor.get_by_role("heading", name="Not sent").count() == 0
    assert "Phone: This field is required." in visitor.content()  # shown again, nothing saved
    visitor.get_by_label("Phone", exact=True).fill("+44 20 7946 0958")
    visitor.get_by_role("button", name="Send").click()
    visitor.get_by_text("Thanks, we will call you.").wait_for()
    record = Record.objects.get(workspace=workspace)
    assert (record.name, record.domain, record.source) == (
        "Northwind",
        "northwind.com",
        "demo_request",
    )
    visitor.context.close()
