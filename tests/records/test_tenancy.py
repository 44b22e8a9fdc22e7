"""Records of workspace B never show in A's lists, and B's people are not choices in A's forms.

That every id of B on every records URL answers 404 like a missing one (GET and POST, page and
htmx, nothing of B changed) is checked for all routes at once by tests/playbook/test_tenancy.py.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from playbook.models import Membership, Role
from records.models import Activity, Record
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    MembershipFactory,
    RecordFactory,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_workspace):
    """Objects of another workspace, each of a kind some URL takes by id."""
    MembershipFactory(workspace=other_workspace, role=Role.ADMIN)
    record = RecordFactory(workspace=other_workspace)
    return {
        "record": record,
        "deleted": RecordFactory(workspace=other_workspace, deleted_at=timezone.now()),
        "contact": ContactFactory(record=record),
        "task": ActivityFactory(record=record, kind="task", due_at=timezone.now()),
        "field": CustomFieldDefinitionFactory(workspace=other_workspace),
    }


def test_lists_show_nothing_of_another_workspace(admin_client, workspace, admin, theirs):
    theirs["task"].assignee = admin.user  # assigned across workspaces by a bug elsewhere
    theirs["task"].save()
    slug = workspace.slug
    for name in ["list", "tasks", "deleted", "fields"]:
        html = admin_client.get(reverse(f"records:{name}", args=[slug])).content.decode()
        assert theirs["record"].name not in html
        assert theirs["deleted"].name not in html
        assert theirs["task"].subject not in html
        assert theirs["field"].label not in html
    search = admin_client.get(
        reverse("records:list", args=[slug]) + f"?q={theirs['contact'].email}"
    )
    assert search.context["page"].items == []


def test_people_of_another_workspace_are_not_choices(
    admin_client, workspace, admin, record, theirs
):
    """Owner and assignee come from this workspace's active members: a person of B (or a
    member who left) is refused beside the field, full page and htmx, and nothing is saved."""
    stranger = Membership.objects.get(workspace=theirs["record"].workspace).user
    left = MembershipFactory(workspace=workspace, is_active=False).user
    slug = workspace.slug
    for person in (stranger, left):
        created = admin_client.post(
            reverse("records:create", args=[slug]),
            {"name": "Via stranger", "source": "other", "owner": person.pk},
        )
        assert created.status_code == 400 and "owner" in created.context["form"].errors
        edited = admin_client.post(
            reverse("records:edit", args=[slug, record.pk]),
            {"name": record.name, "source": record.source, "version": 1, "owner": person.pk},
        )
        assert edited.status_code == 400 and "owner" in edited.context["form"].errors
        for headers in ({}, HTMX):
            task = admin_client.post(
                reverse("records:activity_create", args=[slug, record.pk]),
                {"kind": "task", "due_at": "2030-01-01T09:00", "assignee": person.pk},
                **headers,
            )
            assert task.status_code == 400 and "assignee" in task.context["activity_form"].errors
    assert not Record.objects.filter(name="Via stranger").exists()
    record.refresh_from_db()
    assert record.owner == admin.user and record.version == 1
    assert not Activity.objects.filter(record=record).exists()
