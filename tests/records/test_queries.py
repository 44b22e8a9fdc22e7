"""Every records page runs a fixed number of queries, whatever the number of rows behind it:
each bound below holds with a few rows and with three times as many."""

from datetime import timedelta

import pytest
from django.utils import timezone

from records import services
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import CustomFieldDefinition, IcpProfile
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


def _grow(workspace, admin, record, times):
    """Add `times` rows of every kind a page shows, all pointing at the same people/stages."""
    stage = StageDefinitionFactory(workspace=workspace)
    now = timezone.now()
    for i in range(times):
        other = RecordFactory(workspace=workspace, owner=admin.user, stage=stage)
        ContactFactory(record=other)
        ActivityFactory(
            record=other, kind="task", due_at=now - timedelta(hours=i), assignee=admin.user
        )
        RecordFactory(workspace=workspace, deleted_at=now, deleted_by=admin.user)
        ContactFactory(record=record, is_primary=False, phone_valid=i % 2 == 0)
        ActivityFactory(record=record, actor=admin.user)
        ActivityFactory(record=record, kind="task", due_at=now, assignee=admin.user)
        StageTransitionFactory(record=record, to_stage=stage, actor=admin.user)
        record = services.record_update(
            record=record,
            actor=admin.user,
            version=record.version,
            industry=f"Industry {i}",
            owner=admin.user if i % 2 else None,
            custom_fields={"seats": i},
        )
    return record


PAGES = [
    # (label, url name, needs the record id, query, htmx, bound)
    # The list's filter bar reads the workspace's stages for its "Stage" filter (one query);
    # the result count is one capped COUNT (over a LIMIT subquery), on PostgreSQL inside a
    # savepoint with its own time budget (+4: savepoint, timeout, reset, release).
    # +2: the saved views the member sees (with the role's default and their column choice for
    # each, in one query) and their column choice for the list without a view.
    ("list", "list", False, "", False, 18),
    ("list partial", "list", False, "", True, 16),
    ("list filtered", "list", False, "?source=webinar&cf_seats__min=1&overdue=on&q=com", False, 19),
    ("list sorted", "list", False, "?sort=-icp&size=100", False, 18),
    ("create form", "create", False, "", False, 8),
    ("edit form", "edit", True, "", False, 9),
    # 7 of these are the pipeline's stage panel (stages, rules, members, lost reasons), 1 the
    # customers panel (the Customer row with its next renewal), 3 the ICP explanation (profile,
    # contacts, activities). The timeline reads four sources (activities, transitions, field
    # history, contact changes), one query each, and 1 finds the records merged into this one
    # (their history is on its timeline, ADR 0113).
    ("detail", "detail", True, "", False, 24),
    ("timeline more", "timeline", True, "", True, 13),
    ("contacts", "contacts", True, "", True, 7),
    ("my tasks", "tasks", False, "", False, 7),
    ("deleted", "deleted", False, "", False, 7),
    ("fields", "fields", False, "", False, 7),
    ("icp settings", "icp", False, "", False, 8),
    ("icp progress", "icp_progress", False, "", True, 6),
    ("icp criterion form", "icp_criterion_create", False, "?kind=number_range", True, 8),
]


@pytest.mark.parametrize(
    ("label", "name", "with_id", "query", "htmx", "bound"), PAGES, ids=[p[0] for p in PAGES]
)
def test_query_count_does_not_grow_with_rows(
    admin_client,
    django_assert_max_num_queries,
    workspace,
    admin,
    record,
    url,
    label,
    name,
    with_id,
    query,
    htmx,
    bound,
):
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", kind="number")
    IcpProfile.objects.create(workspace=workspace, criteria=DEFAULT_CRITERIA)
    headers = HTMX if htmx else {}
    admin_client.get(url("tasks"))  # the first visit also stores the workspace in the session
    for times in (3, 9):
        record = _grow(workspace, admin, record, times)
        target = url(name, record.pk) if with_id else url(name)
        if name == "timeline":
            first = admin_client.get(url("detail", record.pk))
            query = f"?cursor={first.context['timeline'].next_cursor or ''}"
        with django_assert_max_num_queries(bound):
            response = admin_client.get(target + query, **headers)
        assert response.status_code == 200, (label, times)


def _actions(url, record, admin):
    """(label, method, path, data, htmx, bound) of the forms and htmx answers that draw part of
    a page: the same rule holds for them as for the pages."""
    contact = record.contacts.order_by("id").first()
    task = record.activities.filter(kind="task", done=False).order_by("id").first()
    field = CustomFieldDefinition.objects.get(workspace_id=record.workspace_id)
    due = {"kind": "task", "due_at": "2030-01-01T09:00", "assignee": admin.user.pk}
    return [
        ("contact edit form", "get", url("contact_edit", record.pk, contact.pk), {}, False, 8),
        ("contact edit inline", "get", url("contact_edit", record.pk, contact.pk), {}, True, 7),
        ("field edit form", "get", url("field_edit", field.pk), {}, False, 7),
        # A contact write also writes its timeline line (records.contact_changes): +1.
        ("contact added", "post", url("contact_create", record.pk), {"first_name": "N"}, True, 15),
        (
            "contact saved",
            "post",
            url("contact_edit", record.pk, contact.pk),
            {"first_name": "E", "is_primary": "on"},
            True,
            16,
        ),
        # The redrawn timeline reads its fourth source (contact changes) and the records merged
        # into this one: +2.
        ("activity logged", "post", url("activity_create", record.pk), due, True, 20),
        ("done in timeline", "post", url("activity_done", task.pk), {}, True, 13),
        (
            "reopened in my tasks",
            "post",
            url("activity_reopen", task.pk),
            {"view": "task"},
            True,
            12,  # reopening recomputes the record's last activity
        ),
    ]


def test_forms_and_htmx_answers_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, workspace, admin, record, url
):
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", kind="number")
    admin_client.get(url("tasks"))
    for times in (3, 9):
        record = _grow(workspace, admin, record, times)
        for label, method, path, data, htmx, bound in _actions(url, record, admin):
            headers = HTMX if htmx else {}
            with django_assert_max_num_queries(bound):
                response = getattr(admin_client, method)(path, data, **headers)
            assert response.status_code == 200, (label, times)
