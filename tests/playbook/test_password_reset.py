"""Forgot password (defect 6 of the trust issue): Django's own views and token generator; the
link works once and expires; the answer is the same for any address."""

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW = "a-Brand-new-passphrase-77"


def ask(client, email, capture):
    with capture(execute=True):
        return client.post("/account/password/reset/", {"email": email})


def link(message) -> str:
    line = next(line for line in message.body.splitlines() if "/account/password/reset/" in line)
    return line[line.index("/account/password/reset/") :].strip()


def test_reset_link_sets_a_new_password_once(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="dana@example.com")
    response = ask(client, "DANA@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.com"]
    form_page = client.get(link(mail.outbox[0]), follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    # Single use: the token was bound to the old password.
    again = client.get(link(mail.outbox[0]), follow=True)
    assert not again.context["validlink"]
    assert "already used or has expired" in again.content.decode()


def test_the_link_expires(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="old@example.com")
    ask(client, "old@example.com", django_capture_on_commit_callbacks)
    settings.PASSWORD_RESET_TIMEOUT = -1
    page = client.get(link(mail.outbox[0]), follow=True)
    assert not page.context["validlink"]


def test_same_answer_for_an_unknown_address(client, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.com")
    known = ask(client, "known@example.com", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_login_page_offers_the_reset(client):
    assert "/account/password/reset/" in client.get("/login/").content.decode()
