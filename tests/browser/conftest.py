"""Real-browser tests: Playwright (the pip package) driving Debian's chromium against
pytest-django's live server. Never `playwright install`: the browser is /usr/bin/chromium.

Without chromium these tests are skipped with a plain reason (`make test` also says so), unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails the run instead.
"""

import os
import shutil

import pytest

from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop in this thread; Django would otherwise refuse
# ORM calls made by the test itself (factories) as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def _on_sqlite() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def pytest_collection_modifyitems(config, items):
    if _on_sqlite():
        # The live server's threads share the one in-memory SQLite test connection, and a home
        # loads its panels at once: concurrent requests on that connection fail and leave it
        # inside a broken transaction for the tests after them. The browser tests run against
        # PostgreSQL (the first suite of .ci/run); `make run`'s file database waits instead
        # (WAL and a busy timeout), so this is the test database's limit, not the app's.
        reason = "browser tests need PostgreSQL: the in-memory SQLite test database is shared"
    elif _chromium_available():
        return
    elif os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no chromium at {CHROMIUM}.")
    else:
        reason = f"chromium not installed at {CHROMIUM}: browser tests skipped"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserProblems(list):
    """Console errors and CSP violations seen by a page; each test asserts it stays empty."""


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = BrowserProblems()
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.problems = problems
    yield page
    context.close()


def log_in(page, email, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def assert_no_browser_problems(page):
    assert list(page.problems) == [], "\n".join(page.problems)


def settled(page):
    """Wait until htmx has finished swapping (and wired up) new content."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, "
        ".htmx-swapping, .htmx-added')"
    )
