"""Settings › Web forms over HTTP: list (and its empty state), create, edit, disable, the form's
page (link, snippet, submissions per day) and a day's submissions; admins only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dataio.models import WebForm, WebFormSubmission
from dataio.services.webforms import webform_submit
from playbook.models import Role
from tests.conftest import login_as
from tests.factories import CustomFieldDefinitionFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _url(name, workspace, *args):
    return reverse(f"dataio:{name}", args=[workspace.slug, *args])


def _settings(**changes):
    data = {
        "name": "Webinar sign-up",
        "source": "webinar",
        "activity_kind": "webinar",
        "owner_rule": "round_robin",
        "owner": "",
        "thank_you": "See you there.",
        "redirect_url": "",
        "ask_first_name": "required",
        "ask_last_name": "optional",
        "ask_company": "required",
        "ask_domain": "off",
        "ask_phone": "optional",
        "ask_job_title": "off",
        "ask_industry": "off",
        "ask_employees": "off",
        "ask_country": "off",
        "ask_message": "off",
    }
    data.update(changes)
    return data


def test_the_list_is_empty_and_says_what_to_do_then_lists_forms(admin_client, workspace):
    page = admin_client.get(_url("webforms", workspace)).text
    assert "No web forms yet" in page and "Create your first form" in page
    home = admin_client.get(reverse("records:list", args=[workspace.slug])).text
    assert _url("webforms", workspace) in home  # in the settings menu


def test_create_then_edit_a_form(admin_client, workspace):
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
    answer = admin_client.post(
        _url("webform_create", workspace), _settings(ask_cf_seats="optional")
    )
    assert answer.status_code == 302
    webform = WebForm.objects.get(workspace=workspace)
    assert answer["Location"] == _url("webform", workspace, webform.pk)
    assert len(webform.key) >= 32 and webform.is_active
    assert webform.fields == [
        {"name": "email", "required": True},
        {"name": "first_name", "required": True},
        {"name": "last_name", "required": False},
        {"name": "phone", "required": False},
        {"name": "company", "required": True},
        {"name": "cf_seats", "required": False},
    ]
    assert (webform.source, webform.activity_kind) == ("webinar", "webinar")
    page = admin_client.get(answer["Location"]).text
    public = f"http://testserver/f/{webform.key}/"
    assert public in page
    # The snippet: a plain form posting to the public URL, with the hidden honeypot.
    assert f'&lt;form method="post" action="{public}"&gt;' in page
    assert 'name="website" tabindex="-1"' in page and 'name="cf_seats"' in page
    assert "Last 30 days" in page

    edit = _url("webform_edit", workspace, webform.pk)
    assert 'value="Webinar sign-up"' in admin_client.get(edit).text
    answer = admin_client.post(
        edit, _settings(name="Webinar", redirect_url="https://example.com/thanks")
    )
    assert answer.status_code == 302
    webform.refresh_from_db()
    assert webform.name == "Webinar" and webform.redirect_url == "https://example.com/thanks"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"redirect_url": "javascript:alert(1)"}, "redirect_url", "http:// or https://"),
        ({"redirect_url": "ftp://example.com/x"}, "redirect_url", "http:// or https://"),
        ({"name": "  "}, "name", "required"),
        ({"source": "carrier-pigeon"}, "source", "Select a valid choice"),
        ({"owner_rule": "member", "owner": ""}, "owner", "active member"),
        ({"ask_phone": "maybe"}, "ask_phone", "Select a valid choice"),
        ({"thank_you": "x" * 1001}, "thank_you", "at most 1000 characters"),
    ],
)
def test_bad_settings_are_refused_beside_their_field(
    admin_client, workspace, changes, field, message
):
    answer = admin_client.post(_url("webform_create", workspace), _settings(**changes))
    assert answer.status_code == 400
    assert message in answer.text
    assert not WebForm.objects.filter(workspace=workspace).exists()


def test_two_forms_cannot_share_a_name(admin_client, workspace, webform):
    answer = admin_client.post(_url("webform_create", workspace), _settings(name="WHITEPAPER"))
    assert answer.status_code == 400 and "Another form" in answer.text


def test_disable_and_enable(admin_client, client, workspace, webform):
    url = _url("webform_active", workspace, webform.pk)
    assert admin_client.post(url, {"active": "0"}).status_code == 302
    webform.refresh_from_db()
    assert not webform.is_active
    assert client.get(f"/f/{webform.key}/").status_code == 404
    assert "Disabled" in admin_client.get(_url("webforms", workspace)).text
    admin_client.post(url, {"active": "1"})
    webform.refresh_from_db()
    assert webform.is_active


def test_only_admins_reach_the_settings(client, workspace, member_factory, webform):
    login_as(client, member_factory(workspace, Role.MARKETING))
    for url in (
        _url("webforms", workspace),
        _url("webform_create", workspace),
        _url("webform", workspace, webform.pk),
        _url("webform_edit", workspace, webform.pk),
        _url("webform_submissions", workspace, webform.pk),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(_url("webform_active", workspace, webform.pk)).status_code == 403


def _submit(webform, email, **values):
    return webform_submit(webform=webform, values={"email": email, "first_name": "Ann", **values})


def test_submissions_per_day_come_from_the_rows_and_link_to_them(
    admin_client, workspace, webform, django_assert_max_num_queries
):
    first = _submit(webform, "ann@acme.com", company="Acme")
    _submit(webform, "bob@acme.com")
    old = _submit(webform, "cy@globex.com", company="Globex")
    three_days_ago = timezone.now() - timedelta(days=3)
    WebFormSubmission.objects.filter(pk=old.pk).update(submitted_at=three_days_ago)
    url = _url("webform", workspace, webform.pk)
    with django_assert_max_num_queries(12):
        page = admin_client.get(url).text
    today = timezone.localdate().isoformat()
    day_link = f'{_url("webform_submissions", workspace, webform.pk)}?day={today}">2</a>'
    assert day_link in page
    old_day = timezone.localtime(three_days_ago).date().isoformat()
    assert f'?day={old_day}">1</a>' in page
    assert "3 submissions</a>" in page
    day_page = admin_client.get(
        _url("webform_submissions", workspace, webform.pk), {"day": today}
    ).text
    assert reverse("records:detail", args=[workspace.slug, first.record_id]) in day_page
    assert "cy@globex.com" not in day_page and "bob@acme.com" in day_page
    listing = admin_client.get(_url("webforms", workspace)).text
    assert ">3</a>" in listing


def test_settings_pages_have_a_constant_query_count(
    admin_client, workspace, webform, django_assert_max_num_queries
):
    for n in range(12):
        _submit(webform, f"p{n}@firm{n}.com", company=f"Firm {n}")
        RecordFactory(workspace=workspace)
    for name, args in (
        ("webforms", ()),
        ("webform", (webform.pk,)),
        ("webform_edit", (webform.pk,)),
        ("webform_submissions", (webform.pk,)),
    ):
        with django_assert_max_num_queries(12):
            assert admin_client.get(_url(name, workspace, *args)).status_code == 200


def test_submissions_page_pages_by_cursor_and_refuses_a_bad_one(admin_client, workspace, webform):
    from dataio import selectors

    for n in range(selectors.SUBMISSIONS_PAGE + 2):
        _submit(webform, f"p{n}@example.org")
    url = _url("webform_submissions", workspace, webform.pk)
    page = admin_client.get(url).text
    assert "Older submissions" in page
    assert admin_client.get(url, {"cursor": "forged"}).status_code == 400
    assert admin_client.get(url, {"day": "not-a-day"}).status_code == 404


def test_the_service_refuses_fields_not_offered_or_twice(workspace, webform):
    from django.core.exceptions import ValidationError

    from dataio.services.webforms import webform_update

    settings = {
        "name": webform.name, "source": "webinar", "activity_kind": "webinar",
        "owner_rule": "nobody", "owner": None, "thank_you": "",
        "redirect_url": "https://example.com/" + "a" * 500,
    }  # fmt: skip
    for fields in ([{"name": "password"}], [{"name": "phone"}, {"name": "phone"}]):
        with pytest.raises(ValidationError) as refused:
            webform_update(webform=webform, fields=fields, **settings)
        assert "Choose each field once" in str(refused.value)
        assert "under 500 characters" in str(refused.value)
