import re

import pytest
from django.core import mail

from playbook.models import Membership, Role, Workspace
from tests.browser.conftest import assert_no_browser_problems, log_in

pytestmark = pytest.mark.browser

PASSWORD = "a-Sturdy-passphrase-42"


def test_sign_up_land_on_home_log_out_and_back_in(page):
    page.goto("/")
    assert "/login/" in page.url

    page.get_by_role("link", name="Create a workspace").click()
    page.get_by_label("Your name").fill("Dana Founder")
    page.get_by_label("Work e-mail").fill("dana@example.com")
    page.get_by_label("Company / workspace name").fill("Dana Analytics")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/signup/sent/$"))
    assert page.get_by_role("heading", name="Check your inbox").is_visible()

    # The e-mailed link confirms the address; the password is chosen there.
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/signup/confirm/" in line)
    page.goto(link[link.index("/signup/confirm/") :].strip())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create workspace").click()

    page.wait_for_url(re.compile(r"/w/dana-analytics/$"))
    assert page.get_by_role("heading", name="Dana Analytics").is_visible()
    assert page.get_by_text("Admin").first.is_visible()
    workspace = Workspace.objects.get(slug="dana-analytics")
    assert Membership.objects.get(workspace=workspace).role == Role.ADMIN

    # Log out sits in the user menu (a <details> dropdown).
    page.locator("nav summary", has_text="Dana Founder").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))

    log_in(page, "dana@example.com", PASSWORD)
    page.wait_for_url(re.compile(r"/w/dana-analytics/$"))
    assert page.get_by_role("heading", name="Dana Analytics").is_visible()
    assert_no_browser_problems(page)


def test_csp_blocks_inline_script_and_is_reported(page, admin):
    """The policy really is enforced: an injected inline script is refused (and our pages
    produce no such refusal, as the smoke test above asserts)."""
    log_in(page, admin.user.email)
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__ran === true") is False
    assert any("Content Security Policy" in p for p in page.problems)
