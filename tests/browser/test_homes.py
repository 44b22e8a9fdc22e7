"""Every role's home in a real browser, on a seeded demo workspace: each member lands on their
own home, every panel of every home they may open loads (htmx, after the shell) with no console
error and no CSP violation, and a screenshot of each role's home is saved for review
(artifacts/screenshots/<role>.png, see the README). The homes and panels come from the registry,
so a new home or panel is covered without editing this file."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from customers import services as customer_services
from dashboards import registry
from playbook.demo import DEMO_PASSWORD, PEOPLE_PER_ROLE, demo_email
from playbook.models import Membership, Workspace
from tests.browser.conftest import assert_no_browser_problems, log_in

pytestmark = pytest.mark.browser

SLUG = "homes"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def _panels_loaded(page, home):
    """Wait until every placeholder of `home` was swapped for its panel."""
    page.wait_for_function(
        "n => document.querySelectorAll('section.panel').length === n"
        " && !document.querySelector('.panel-loading')",
        arg=len(home.panels),
        timeout=30_000,
    )
    # Every chart was drawn (Chart.js from the json_script beside it), not left a blank canvas.
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => window.Chart && window.Chart.getChart(c))"
    )


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", workspace=SLUG, records=120)
    # What the nightly jobs would have done by morning: renewal alerts and health scores, so the
    # CSM and renewals homes show figures rather than their empty states.
    workspace = Workspace.objects.get(slug=SLUG)
    customer_services.renewal_job_run(workspace=workspace)
    customer_services.health_recompute(workspace=workspace)


@pytest.mark.parametrize("role", list(PEOPLE_PER_ROLE))
def test_each_role_lands_on_its_home_and_every_panel_loads(page, demo, role):
    membership = Membership.objects.select_related("user").get(
        workspace__slug=SLUG, user__email=demo_email(role, slug=SLUG)
    )
    own = registry.own_home(membership)
    log_in(page, membership.user.email, DEMO_PASSWORD)
    page.goto(f"/w/{SLUG}/")
    # The landing page is the member's own home: its title beneath the workspace's name.
    page.locator("hgroup p strong", has_text=own.title).wait_for()
    assert page.title().startswith(own.title)
    _panels_loaded(page, own)
    for panel in own.panels.values():
        section = page.locator(f"#panel-{panel.key}")
        assert section.locator(".flash-error").count() == 0, panel.key
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{role}.png"), full_page=True)
    for home in registry.homes_for(membership):
        if home is own:
            continue
        page.goto(f"/w/{SLUG}/home/{home.key}/")
        _panels_loaded(page, home)
    assert_no_browser_problems(page)
