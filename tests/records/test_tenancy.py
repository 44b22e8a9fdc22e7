"""Records of workspace B never show in A's lists, B's people are not choices in A's forms, and an
ICP criterion place only B's profile has answers 404 in A.

That every id of B on every records URL answers 404 like a missing one (GET and POST, page and
htmx, nothing of B changed) is checked for all routes at once by tests/playbook/test_tenancy.py.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from playbook.models import Membership, Role
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import Activity, IcpProfile, Record
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
        # Criteria are addressed by their place in the workspace's own profile: the other
        # workspace's profile is longer, so its last criterion has a place that mine lacks.
        "criterion": IcpProfile.objects.create(
            workspace=other_workspace, criteria=DEFAULT_CRITERIA * 2
        )
        and len(DEFAULT_CRITERIA) * 2 - 1,
    }


MISSING = 999_999


@pytest.mark.parametrize("name", ["icp_criterion_edit", "icp_criterion_delete"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_criterion_place_only_another_workspace_has_is_404(
    admin_client, workspace, record, theirs, name, headers
):
    """ICP criteria are addressed by their place in the workspace's own profile, so the route
    walk (tests/playbook/test_tenancy.py, which covers every id route) cannot give them a foreign
    value: here B's profile is longer, and its last place answers in A like a missing one."""
    foreign = reverse(f"records:{name}", args=[workspace.slug, theirs["criterion"]])
    missing = reverse(f"records:{name}", args=[workspace.slug, MISSING])
    answers = []
    for call in (admin_client.get, lambda path, **h: admin_client.post(path, {"weight": 5}, **h)):
        status = call(foreign, **headers).status_code
        assert status == call(missing, **headers).status_code
        assert status in (404, 405)
        answers.append(status)
    assert 404 in answers
    profile = IcpProfile.objects.get(workspace=theirs["record"].workspace)
    assert profile.criteria == DEFAULT_CRITERIA * 2


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
