"""Brute-force protection (defect 2 of the trust issue): repeated failed log-ins lock the
account and the address out for a cool-off, on /login/ and /django-admin/login/, with a page
that says so."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(client, email, password, *, ip="203.0.113.7", url="/login/"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client):
    user = UserFactory(email="target@example.com")
    for n in range(LIMIT):
        # From changing addresses, so only the per-account count can be what locks.
        response = attempt(client, user.email, f"guess-{n}", ip=f"198.51.100.{n + 1}")
        assert response.status_code in (200, 429)
    locked = attempt(client, "Target@Example.com", PASSWORD, ip="192.0.2.50")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed log-ins" in html
    assert f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes" in html
    assert "_auth_user_id" not in client.session


def test_address_is_locked_after_failures_across_accounts(client):
    for n in range(LIMIT):
        attempt(client, f"nobody{n}@example.com", "guess", ip="203.0.113.9")
    user = UserFactory()
    assert attempt(client, user.email, PASSWORD, ip="203.0.113.9").status_code == 429
    # The same account from another address still logs in: only the address is locked.
    assert attempt(client, user.email, PASSWORD, ip="203.0.113.10").status_code == 302


def test_django_admin_login_is_protected_too(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    for n in range(LIMIT):
        attempt(client, staff.email, f"guess-{n}", url="/django-admin/login/")
    response = attempt(client, staff.email, PASSWORD, url="/django-admin/login/")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()


def test_lock_lifts_after_the_cool_off(client):
    user = UserFactory()
    for n in range(LIMIT):
        attempt(client, user.email, f"guess-{n}")
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # The failures age past the cool-off.
    past = settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - past)
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_a_few_failures_do_not_lock_and_success_resets_the_count(client):
    user = UserFactory()
    for n in range(LIMIT - 1):
        assert attempt(client, user.email, f"guess-{n}").status_code == 200
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/logout/")
    for n in range(LIMIT - 1):
        assert attempt(client, user.email, f"again-{n}").status_code == 200
    assert attempt(client, user.email, PASSWORD).status_code == 302
