"""An admin of workspace A who uses an id of workspace B on any records URL gets 404, exactly like
a missing id: GET and POST, full page and htmx partial, and nothing of B changes."""

import pytest
from django.urls import reverse
from django.utils import timezone

from playbook.models import Membership, Role
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import Activity, Contact, CustomFieldDefinition, IcpProfile, Record
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


def _routes(mine, theirs):
    """(url name, ids) of every records URL that takes an id, with the foreign id(s) in it; a
    contact of B under a record of A too, since that pair is looked up together."""
    return [
        ("detail", [theirs["record"].pk]),
        ("edit", [theirs["record"].pk]),
        ("delete", [theirs["record"].pk]),
        ("restore", [theirs["deleted"].pk]),
        ("timeline", [theirs["record"].pk]),
        ("contacts", [theirs["record"].pk]),
        ("contact_create", [theirs["record"].pk]),
        ("contact_edit", [theirs["record"].pk, theirs["contact"].pk]),
        ("contact_edit", [mine.pk, theirs["contact"].pk]),
        ("contact_delete", [theirs["record"].pk, theirs["contact"].pk]),
        ("contact_delete", [mine.pk, theirs["contact"].pk]),
        ("contact_erase", [theirs["record"].pk, theirs["contact"].pk]),
        ("contact_erase", [mine.pk, theirs["contact"].pk]),
        ("activity_create", [theirs["record"].pk]),
        ("activity_done", [theirs["task"].pk]),
        ("activity_reopen", [theirs["task"].pk]),
        ("field_edit", [theirs["field"].pk]),
        ("field_delete", [theirs["field"].pk]),
        ("icp_criterion_edit", [theirs["criterion"]]),
        ("icp_criterion_delete", [theirs["criterion"]]),
    ]


ROUTE_NAMES = [
    "detail",
    "edit",
    "delete",
    "restore",
    "timeline",
    "contacts",
    "contact_create",
    "contact_edit",
    "contact_edit",
    "contact_delete",
    "contact_delete",
    "contact_erase",
    "contact_erase",
    "activity_create",
    "activity_done",
    "activity_reopen",
    "field_edit",
    "field_delete",
    "icp_criterion_edit",
    "icp_criterion_delete",
]


MISSING = 999_999


@pytest.mark.parametrize("index", range(len(ROUTE_NAMES)), ids=lambda i: ROUTE_NAMES[i])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_another_workspaces_id_is_404(admin_client, workspace, record, theirs, index, headers):
    """The foreign id answers what a missing id answers, for GET and POST: 404 where the
    method is allowed, 405 (the same for both, revealing nothing) where it is not."""
    name, ids = _routes(record, theirs)[index]
    foreign = reverse(f"records:{name}", args=[workspace.slug, *ids])
    missing = reverse(f"records:{name}", args=[workspace.slug, *[MISSING for _ in ids]])
    form = {"first_name": "X", "kind": "call", "label": "X", "name": "X", "source": "other"}
    answers = []
    for call in (admin_client.get, lambda path, **h: admin_client.post(path, form, **h)):
        status = call(foreign, **headers).status_code
        assert status == call(missing, **headers).status_code
        assert status in (404, 405)
        answers.append(status)
    assert 404 in answers


def test_every_id_route_is_covered(record, theirs):
    from records.urls import urlpatterns

    with_ids = {p.name for p in urlpatterns if "<int:" in str(p.pattern)}
    assert with_ids == {name for name, _ in _routes(record, theirs)}


def test_nothing_of_the_other_workspace_changed(admin_client, workspace, record, theirs):
    for name, ids in _routes(record, theirs):
        admin_client.post(
            reverse(f"records:{name}", args=[workspace.slug, *ids]), {"first_name": "X"}
        )
    assert Record.objects.get(pk=theirs["record"].pk).deleted_at is None
    assert Record.objects.get(pk=theirs["deleted"].pk).deleted_at is not None
    assert Contact.objects.filter(pk=theirs["contact"].pk).exists()
    assert not Activity.objects.get(pk=theirs["task"].pk).done
    assert CustomFieldDefinition.objects.filter(pk=theirs["field"].pk).exists()
    assert not Activity.objects.filter(record=theirs["record"], kind="call").exists()


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
