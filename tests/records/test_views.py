from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from playbook.models import Role
from records import services
from records.models import Activity, Contact, CustomFieldDefinition, Record
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    RecordFactory,
    StageDefinitionFactory,
    StageTransitionFactory,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db


class TestList:
    def test_full_page_has_filters_rows_and_stage_column(self, admin_client, url, record):
        stage = StageDefinitionFactory(workspace=record.workspace, name="MQL")
        Record.objects.filter(pk=record.pk).update(stage=stage)
        response = admin_client.get(url("list"))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="record-filters"' in html and 'hx-push-url="true"' in html
        assert record.name in html and '<td class="stage-cell" data-label="Stage">MQL' in html
        assert response["Vary"].count("HX-Request") == 1

    def test_htmx_gets_only_the_results(self, admin_client, url, record):
        response = admin_client.get(url("list", query="?q=" + record.name[:5]), **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="record-results"')
        assert record.name in html and "<nav" in html and "<html" not in html
        assert 'hx-swap-oob="true"' in html  # keeps the form's sort input in step

    def test_a_history_restore_gets_the_whole_page(self, admin_client, url, record):
        response = admin_client.get(url("list"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
        assert "<html" in response.content.decode()

    def test_empty_workspace_says_what_to_do(self, admin_client, url):
        html = admin_client.get(url("list")).content.decode()
        assert "No records yet" in html and url("create") in html

    def test_no_match_offers_to_clear_the_filters(self, admin_client, url, record):
        html = admin_client.get(url("list", query="?status=lost")).content.decode()
        assert "No records match these filters" in html

    def test_more_link_instead_of_page_numbers(self, admin_client, url, workspace):
        for _ in range(3):
            RecordFactory(workspace=workspace)
        response = admin_client.get(url("list", query="?size=2"))
        html = response.content.decode()
        assert "More records" in html and "cursor=" in html and "page=" not in html


class TestCreate:
    def test_form_has_no_stage_field_and_creates_with_a_first_contact(
        self, admin_client, url, workspace, admin
    ):
        StageDefinitionFactory(workspace=workspace, name="Lead", position=1)
        form = admin_client.get(url("create"))
        assert form.status_code == 200
        assert 'name="stage"' not in form.content.decode()
        response = admin_client.post(
            url("create"),
            {
                "name": "Acme",
                "source": "webinar",
                "owner": admin.user.pk,
                "country": "Germany",
                "problem_acknowledged": "on",
                "contact-first_name": "Ada",
                "contact-email": "ada@acme.de",
                "contact-phone": "030 901820",
            },
        )
        record = Record.objects.get(name="Acme")
        assert response.status_code == 302 and response["Location"] == url("detail", record.pk)
        assert record.problem_acknowledged and record.stage.name == "Lead"
        assert record.contacts.get().phone == "+4930901820"

    def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
        self, admin_client, url, workspace
    ):
        response = admin_client.post(
            url("create"),
            {
                "name": "Acme",
                "source": "webinar",
                "employee_count": "lots",
                "expected_close_date": "someday",
                "country": "Atlantis",
                "contact-first_name": "Ada",
                "contact-phone": "call me",
            },
        )
        assert response.status_code == 400
        form, contact_form = response.context["form"], response.context["contact_form"]
        assert {"employee_count", "expected_close_date", "country"} <= set(form.errors)
        assert not Record.objects.exists() and not Contact.objects.exists()
        # A good record with a bad contact: still nothing saved, the error beside the phone.
        response = admin_client.post(
            url("create"),
            {
                "name": "Acme",
                "source": "webinar",
                "contact-first_name": "Ada",
                "contact-phone": "x",
            },
        )
        assert response.status_code == 400
        assert "phone" in response.context["contact_form"].errors
        assert contact_form is not None and not Record.objects.exists()


class TestEdit:
    def _data(self, record, **changes):
        data = {
            "name": record.name,
            "source": record.source,
            "domain": record.domain,
            "industry": record.industry,
            "country": record.country,
            "version": record.version,
        }
        data.update(changes)
        return data

    def test_saves_and_redirects(self, admin_client, url, record):
        form = admin_client.get(url("edit", record.pk))
        assert 'name="version" value="1"' in form.content.decode()
        response = admin_client.post(url("edit", record.pk), self._data(record, industry="Media"))
        assert response.status_code == 302
        record.refresh_from_db()
        assert (record.industry, record.version) == ("Media", 2)

    def test_a_stale_form_is_refused_with_the_differences(self, admin_client, url, record, admin):
        stale = self._data(record, industry="Energy")
        services.record_update(record=record, actor=admin.user, version=1, industry="Retail")
        response = admin_client.post(url("edit", record.pk), stale)
        html = response.content.decode()
        assert response.status_code == 409
        assert "Not saved: someone else changed this record" in html
        assert (
            '<th scope="row">Industry</th><td>Software</td><td>Retail</td><td>Energy</td>' in html
        )
        assert 'name="version" value="2"' in html and 'value="Energy"' in html
        record.refresh_from_db()
        assert record.industry == "Retail"
        # Saving again, knowingly, keeps the editor's values.
        again = admin_client.post(url("edit", record.pk), self._data(record, industry="Energy"))
        assert again.status_code == 302
        record.refresh_from_db()
        assert record.industry == "Energy"

    def test_country_is_read_however_typed_and_legacy_values_stay(self, admin_client, url, record):
        response = admin_client.post(url("edit", record.pk), self._data(record, country="uk"))
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.country == "United Kingdom"
        Record.objects.filter(pk=record.pk).update(country="Westeros (imported)")
        record.refresh_from_db()
        kept = admin_client.post(url("edit", record.pk), self._data(record, industry="Media"))
        assert kept.status_code == 302
        bad = admin_client.post(url("edit", record.pk), self._data(record, country="Narnia"))
        assert bad.status_code == 400 and "Choose a country from the list." in bad.content.decode()

    def test_a_form_without_version_is_refused(self, admin_client, url, record):
        response = admin_client.post(url("edit", record.pk), self._data(record, version=""))
        assert response.status_code == 400
        assert "out of date" in response.content.decode()

    def test_custom_fields_are_on_the_form_and_typed(self, admin_client, url, record, workspace):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
        CustomFieldDefinitionFactory(
            workspace=workspace, key="golive", label="Go-live", kind="date"
        )
        assert 'name="cf_seats"' in admin_client.get(url("edit", record.pk)).content.decode()
        bad = admin_client.post(
            url("edit", record.pk), self._data(record, cf_seats="ten", cf_golive="soon")
        )
        assert bad.status_code == 400
        assert set(bad.context["form"].errors) == {"cf_seats", "cf_golive"}
        good = admin_client.post(
            url("edit", record.pk), self._data(record, cf_seats="10", cf_golive="2027-02-01")
        )
        assert good.status_code == 302
        record.refresh_from_db()
        assert record.custom_fields == {"seats": 10, "golive": "2027-02-01"}
        detail = admin_client.get(url("detail", record.pk)).content.decode()
        assert (
            "<dt>Seats</dt><dd>10</dd>" in detail
            and "<dt>Go-live</dt><dd>1 Feb 2027</dd>" in detail
        )

    def test_a_removed_choice_stays_and_does_not_block_saving(
        self, admin_client, url, record, workspace
    ):
        CustomFieldDefinitionFactory(
            workspace=workspace, key="crm", label="CRM", kind="choice", choices=["HubSpot"]
        )
        Record.objects.filter(pk=record.pk).update(custom_fields={"crm": "Pipedrive"})
        record.refresh_from_db()
        form = admin_client.get(url("edit", record.pk)).content.decode()
        assert "Pipedrive (no longer a choice)" in form
        response = admin_client.post(
            url("edit", record.pk), self._data(record, industry="Media", cf_crm="Pipedrive")
        )
        assert response.status_code == 302
        record.refresh_from_db()
        assert (record.industry, record.custom_fields) == ("Media", {"crm": "Pipedrive"})


class TestDetail:
    def test_header_stage_marker_contacts_and_timeline(self, admin_client, url, record):
        stage = StageDefinitionFactory(workspace=record.workspace, name="SQL")
        Record.objects.filter(pk=record.pk).update(stage=stage)
        ContactFactory(
            record=record, first_name="Ivy", phone_raw="123", phone="", phone_valid=False
        )
        ContactFactory(record=record, first_name="Max", email="max@", email_valid=False)
        ActivityFactory(record=record, subject="Discovery call")
        StageTransitionFactory(record=record, to_stage=stage)
        html = admin_client.get(url("detail", record.pk)).content.decode()
        assert '<span class="badge stage-badge">SQL</span>' in html
        assert "invalid phone" in html and "invalid e-mail" in html
        assert "Discovery call" in html and "entry-transition" in html and "Created" in html

    def test_the_stage_panel_slot_sits_between_header_and_contacts(self):
        # The marker line the pipeline app replaces with its stage panel (or that panel).
        template = Path(settings.BASE_DIR, "templates/records/detail.html").read_text()
        lines = [line.strip() for line in template.splitlines()]
        slot = next(
            i
            for i, line in enumerate(lines)
            if line == "{# PIPELINE-STAGE-PANEL #}" or "stage_panel record" in line
        )
        assert (
            lines.index("</header>")
            < slot
            < next(i for i, line in enumerate(lines) if 'id="contacts"' in line)
        )

    def test_timeline_load_more(self, admin_client, url, record):
        for i in range(25):
            ActivityFactory(record=record, subject=f"Call {i}")
        page = admin_client.get(url("detail", record.pk))
        cursor = page.context["timeline"].next_cursor
        assert cursor and "Load more" in page.content.decode()
        more = admin_client.get(url("timeline", record.pk, query=f"?cursor={cursor}"), **HTMX)
        html = more.content.decode()
        assert more.status_code == 200 and html.lstrip().startswith("<li")
        assert "Call 0" in html and "Call 24" not in html
        plain = admin_client.get(url("timeline", record.pk, query=f"?cursor={cursor}"))
        assert plain.status_code == 302 and "timeline=" in plain["Location"]
        assert admin_client.get(plain["Location"]).status_code == 200

    def test_bad_timeline_cursor_is_400(self, admin_client, url, record):
        assert admin_client.get(url("detail", record.pk, query="?timeline=zz")).status_code == 400
        bad = admin_client.get(url("timeline", record.pk, query="?cursor=zz"), **HTMX)
        assert bad.status_code == 400 and "broken" in bad.content.decode()

    def test_deleted_record_page_is_gone(self, admin_client, url, record, admin):
        services.record_delete(record=record, actor=admin.user)
        assert admin_client.get(url("detail", record.pk)).status_code == 404


class TestContacts:
    def test_htmx_add_returns_the_section(self, admin_client, url, record):
        response = admin_client.post(
            url("contact_create", record.pk),
            {"first_name": "Ada", "phone": "+49 30 901820", "email": "ada@x.de"},
            **HTMX,
        )
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith('<section id="contacts"')
        assert "Ada" in html and "primary" in html

    def test_invalid_phone_is_refused_beside_the_field(self, admin_client, url, record):
        response = admin_client.post(
            url("contact_create", record.pk), {"first_name": "Ada", "phone": "+49 123 45"}, **HTMX
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_phone_errors"' in html and "not a valid phone number" in html
        assert 'aria-invalid="true"' in html
        assert not Contact.objects.exists()

    def test_without_js_add_redirects_and_errors_rerender_the_page(self, admin_client, url, record):
        ok = admin_client.post(url("contact_create", record.pk), {"first_name": "Ada"})
        assert ok.status_code == 302 and ok["Location"].endswith("#contacts")
        bad = admin_client.post(url("contact_create", record.pk), {"first_name": ""})
        assert bad.status_code == 400 and "<html" in bad.content.decode()

    def test_inline_edit_and_make_primary(self, admin_client, url, record):
        first = ContactFactory(record=record, is_primary=True, first_name="First")
        second = ContactFactory(record=record, first_name="Second")
        edit = admin_client.get(url("contact_edit", record.pk, second.pk), **HTMX)
        assert edit.content.decode().lstrip().startswith(f'<li id="contact-{second.pk}"')
        full = admin_client.get(url("contact_edit", record.pk, second.pk))
        assert "<html" in full.content.decode()
        response = admin_client.post(
            url("contact_edit", record.pk, second.pk),
            {"first_name": "Second", "email": second.email, "is_primary": "on"},
            **HTMX,
        )
        assert response.status_code == 200
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.is_primary and not first.is_primary

    def test_inline_edit_errors_stay_inline(self, admin_client, url, record):
        contact = ContactFactory(record=record, is_primary=True)
        response = admin_client.post(
            url("contact_edit", record.pk, contact.pk),
            {"first_name": "X", "email": "nope", "is_primary": "on"},
            **HTMX,
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert f'<li id="contact-{contact.pk}" class="contact editing">' in html
        assert "Enter a valid e-mail address." in html
        plain = admin_client.post(
            url("contact_edit", record.pk, contact.pk),
            {"first_name": "X", "email": "nope", "is_primary": "on"},
        )
        assert plain.status_code == 400 and "<html" in plain.content.decode()

    def test_remove(self, admin_client, url, record):
        primary = ContactFactory(record=record, is_primary=True, first_name="Pri")
        ContactFactory(record=record, first_name="Next")
        response = admin_client.post(url("contact_delete", record.pk, primary.pk), **HTMX)
        assert "is now the primary contact" in response.content.decode()
        other = Contact.objects.get()
        plain = admin_client.post(url("contact_delete", record.pk, other.pk))
        assert plain.status_code == 302 and not Contact.objects.exists()

    def test_contacts_section_for_cancel(self, admin_client, url, record):
        assert admin_client.get(url("contacts", record.pk), **HTMX).status_code == 200
        assert admin_client.get(url("contacts", record.pk)).status_code == 302


class TestActivities:
    def test_log_a_task_with_htmx(self, admin_client, url, record, admin):
        due = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = admin_client.post(
            url("activity_create", record.pk),
            {"kind": "task", "subject": "Send proposal", "due_at": due, "assignee": admin.user.pk},
            **HTMX,
        )
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith('<section id="activity"')
        assert "Send proposal" in html and "Mark done" in html
        assert Activity.objects.get().assignee == admin.user

    def test_a_task_without_due_date_is_refused(self, admin_client, url, record, admin):
        response = admin_client.post(
            url("activity_create", record.pk),
            {"kind": "task", "assignee": admin.user.pk},
            **HTMX,
        )
        assert response.status_code == 400
        assert "A task needs a due date." in response.content.decode()
        plain = admin_client.post(url("activity_create", record.pk), {"kind": "fax"})
        assert plain.status_code == 400 and not Activity.objects.exists()

    def test_log_without_js(self, admin_client, url, record):
        response = admin_client.post(url("activity_create", record.pk), {"kind": "call"})
        assert response.status_code == 302 and response["Location"].endswith("#activity")

    def test_mark_done_from_the_timeline_and_from_my_tasks(self, admin_client, url, record, admin):
        task = ActivityFactory(
            record=record, kind="task", due_at=timezone.now(), assignee=admin.user
        )
        entry = admin_client.post(url("activity_done", task.pk), **HTMX)
        assert entry.content.decode().lstrip().startswith(f'<li id="entry-activity-{task.pk}"')
        assert "badge-ok" in entry.content.decode()
        admin_client.post(url("activity_reopen", task.pk), {"view": "task"}, **HTMX)
        row = admin_client.post(url("activity_done", task.pk), {"view": "task"}, **HTMX)
        html = row.content.decode()
        assert html.lstrip().startswith(f'<tr id="task-{task.pk}" class="task-done">')
        assert "Undo" in html

    def test_mark_done_without_js_goes_back_to_a_safe_next(self, admin_client, url, record):
        task = ActivityFactory(record=record, kind="task", due_at=timezone.now())
        back = admin_client.post(url("activity_done", task.pk), {"next": url("tasks")})
        assert back["Location"] == url("tasks")
        unsafe = admin_client.post(url("activity_done", task.pk), {"next": "https://evil.test/"})
        assert unsafe["Location"] == url("detail", record.pk) + "#timeline"

    def test_reopening_a_call_is_refused(self, admin_client, url, record):
        call = ActivityFactory(record=record, kind="call", done=True)
        response = admin_client.post(url("activity_reopen", call.pk), {"view": "task"}, **HTMX)
        assert response.status_code == 400 and "Only tasks" in response.content.decode()


class TestMyTasks:
    def test_lists_my_open_tasks_with_overdue_marked(self, rep_client, url, record, rep):
        ActivityFactory(
            record=record,
            kind="task",
            subject="Overdue one",
            due_at=timezone.now() - timedelta(days=1),
            assignee=rep.user,
        )
        html = rep_client.get(url("tasks")).content.decode()
        assert "Overdue one" in html and "overdue" in html and ">Done<" in html

    def test_empty_state(self, rep_client, url):
        assert "No open tasks." in rep_client.get(url("tasks")).content.decode()

    def test_more_tasks_load_as_rows(self, rep_client, url, record, rep):
        for i in range(55):
            ActivityFactory(
                record=record,
                kind="task",
                subject=f"T{i}",
                due_at=timezone.now() + timedelta(hours=i),
                assignee=rep.user,
            )
        first = rep_client.get(url("tasks"))
        next_url = first.context["next_url"]
        more = rep_client.get(url("tasks", query=next_url), **HTMX)
        html = more.content.decode()
        assert more.status_code == 200 and html.lstrip().startswith("<tr")
        assert "T54" in html and "T0<" not in html and "<table" not in html
        assert rep_client.get(url("tasks", query="?cursor=bad")).status_code == 400
        # "More tasks" with a broken link says so in place of the row it replaces.
        broken = rep_client.get(url("tasks", query="?cursor=bad"), **HTMX)
        assert broken.status_code == 400
        assert 'role="alert"' in broken.content.decode()
        assert "page link is broken" in broken.content.decode()


class TestDeleteAndRestore:
    def test_owner_deletes_and_an_admin_restores(self, client, url, workspace, rep, admin):
        mine = RecordFactory(workspace=workspace, owner=rep.user)
        client.force_login(rep.user)
        response = client.post(url("delete", mine.pk))
        assert response.status_code == 302
        assert Record.objects.get(pk=mine.pk).deleted_by == rep.user
        assert client.get(url("deleted")).status_code == 403
        assert client.post(url("restore", mine.pk)).status_code == 403
        client.force_login(admin.user)
        page = client.get(url("deleted"))
        assert page.status_code == 200 and mine.name in page.content.decode()
        assert client.post(url("restore", mine.pk)).status_code == 302
        assert Record.objects.get(pk=mine.pk).deleted_at is None

    @pytest.mark.parametrize(("role", "allowed"), [(Role.AE, False), (Role.LEADER, True)])
    def test_who_may_delete_anothers_record(
        self, client, url, record, member_factory, role, allowed
    ):
        client.force_login(member_factory(record.workspace, role).user)
        html = client.get(url("detail", record.pk)).content.decode()
        assert ('data-confirm="Delete' in html) == allowed
        response = client.post(url("delete", record.pk))
        assert response.status_code == (302 if allowed else 403)

    def test_deleted_page_empty_state(self, admin_client, url):
        assert "No deleted records" in admin_client.get(url("deleted")).content.decode()

    def test_restoring_a_live_record_is_404(self, admin_client, url, record):
        assert admin_client.post(url("restore", record.pk)).status_code == 404


class TestCustomFieldSettings:
    def test_admin_adds_edits_and_removes_a_field(self, admin_client, url, workspace, record):
        page = admin_client.get(url("fields"))
        assert page.status_code == 200 and "No custom fields yet" in page.content.decode()
        bad = admin_client.post(url("fields"), {"label": "Plan", "kind": "choice", "choices": ""})
        assert bad.status_code == 400 and "List the choices" in bad.content.decode()
        ok = admin_client.post(
            url("fields"), {"label": "Plan", "kind": "choice", "choices": "Basic\nPro"}
        )
        assert ok.status_code == 302
        field = CustomFieldDefinition.objects.get()
        assert 'name="cf_plan"' in admin_client.get(url("edit", record.pk)).content.decode()
        assert 'name="cf_plan"' in admin_client.get(url("list")).content.decode()
        edit = admin_client.post(
            url("field_edit", field.pk), {"label": "Pricing plan", "choices": "Pro", "position": 3}
        )
        assert edit.status_code == 302
        field.refresh_from_db()
        assert (field.label, field.choices, field.kind) == ("Pricing plan", ["Pro"], "choice")
        assert admin_client.post(url("field_delete", field.pk)).status_code == 302
        assert not CustomFieldDefinition.objects.exists()

    def test_an_empty_post_is_a_400_with_the_messages(self, admin_client, url, workspace):
        field = CustomFieldDefinitionFactory(workspace=workspace, label="Seats")
        for target in (url("fields"), url("field_edit", field.pk)):
            response = admin_client.post(target, {})
            assert response.status_code == 400
            assert "This field is required." in response.content.decode()
        field.refresh_from_db()
        assert field.label == "Seats" and CustomFieldDefinition.objects.count() == 1

    def test_only_admins_manage_fields(self, rep_client, url, workspace):
        field = CustomFieldDefinitionFactory(workspace=workspace)
        assert rep_client.get(url("fields")).status_code == 403
        assert rep_client.post(url("fields"), {"label": "X", "kind": "text"}).status_code == 403
        assert rep_client.get(url("field_edit", field.pk)).status_code == 403
        assert rep_client.post(url("field_delete", field.pk)).status_code == 403
        assert CustomFieldDefinition.objects.count() == 1


def test_nav_links_by_role(client, url, admin, rep):
    client.force_login(admin.user)
    admin_nav = client.get(url("list")).content.decode()
    assert url("tasks") in admin_nav and url("fields") in admin_nav and url("deleted") in admin_nav
    client.force_login(rep.user)
    rep_nav = client.get(url("list")).content.decode()
    assert (
        url("tasks") in rep_nav and url("fields") not in rep_nav and url("deleted") not in rep_nav
    )


def test_pages_load_the_records_script_and_no_inline_script(admin_client, url, record):
    html = admin_client.get(url("detail", record.pk)).content.decode()
    assert 'src="/static/js/records.js" defer' in html
    assert "<script>" not in html and " style=" not in html and "hx-on" not in html


def test_in_place_contact_and_activity_saves_announce_the_record_changed(admin_client, workspace):
    # The stage checklist (pipeline) reloads on this event: a contact's phone or a done demo
    # can change a rule's result.
    record = RecordFactory(workspace=workspace, country="Germany")
    contact = ContactFactory(record=record)
    base = f"/w/{workspace.slug}/records/{record.pk}"
    saved = admin_client.post(
        f"{base}/contacts/{contact.pk}/edit/",
        {"first_name": "Ada", "phone": "030 901820"},
        **HTMX,
    )
    assert saved.status_code == 200 and saved["HX-Trigger"] == "record-changed"
    refused = admin_client.post(
        f"{base}/contacts/{contact.pk}/edit/", {"first_name": "Ada", "phone": "12"}, **HTMX
    )
    assert refused.status_code == 400 and "HX-Trigger" not in refused
    logged = admin_client.post(
        f"{base}/activities/new/", {"kind": "note", "subject": "Spoke to Ada"}, **HTMX
    )
    assert logged.status_code == 200 and logged["HX-Trigger"] == "record-changed"
