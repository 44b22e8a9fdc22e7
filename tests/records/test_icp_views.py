"""The ICP settings page and the record page's explanation, through HTTP."""

import pytest
from django.utils import timezone

from playbook.models import Role
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import IcpProfile
from records.selectors.icp import icp_fields, icp_profile_criteria
from tests.conftest import login_as

from .conftest import HTMX

pytestmark = pytest.mark.django_db

TWO = [
    {"kind": "field_in", "params": {"field": "industry", "values": ["Software"]}, "weight": 30},
    {"kind": "field_in", "params": {"field": "country", "values": ["France"]}, "weight": 70},
]


@pytest.fixture
def profile(workspace):
    return IcpProfile.objects.create(workspace=workspace, criteria=TWO)


def test_record_page_explains_the_score(admin_client, url, record, profile):
    # The record fixture is Software in Germany.
    body = admin_client.get(url("detail", record.pk)).content.decode()
    assert "ICP fit: not scored" in body
    assert '<span class="icp-points">+30</span> Industry is Software' in body
    assert '<span class="icp-points">+0</span> Country not in target list' in body
    assert "With today's data the score is 30" in body


def test_every_member_reads_the_profile_only_admins_and_leaders_edit(
    client, workspace, member_factory, url, profile
):
    sdr = login_as(client, member_factory(workspace, Role.SDR))
    page = sdr.get(url("icp"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Industry is one of: Software" in body and "Admins and leaders edit" in body
    assert "Save weights" not in body
    add = {"kind": "flag_set", "flag": "buying_intent", "weight": "5", "version": "1"}
    assert sdr.post(url("icp_criterion_create"), add).status_code == 403
    assert sdr.post(url("icp_weights"), {"weight_0": "1", "weight_1": "1"}).status_code == 403
    leader = login_as(client, member_factory(workspace, Role.LEADER))
    response = leader.post(url("icp_criterion_create"), add)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.criteria[-1] == {
        "kind": "flag_set",
        "params": {"flag": "buying_intent"},
        "weight": 5,
    }


def test_bad_criterion_keeps_the_form_with_the_message(admin_client, url, profile):
    response = admin_client.post(
        url("icp_criterion_create"),
        {
            "kind": "number_range",
            "field": "employee_count",
            "min": "500",
            "max": "50",
            "weight": "-3",
            "version": profile.version,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The maximum is below the minimum." in body
    assert "The weight must be" in body
    profile.refresh_from_db()
    assert profile.criteria == TWO


def test_weights_form_refuses_bad_and_stale_input(admin_client, url, profile):
    bad = admin_client.post(
        url("icp_weights"), {"version": profile.version, "weight_0": "ten", "weight_1": "5"}
    )
    assert bad.status_code == 400
    assert "Criterion 1: the weight must be a whole number" in bad.content.decode()
    stale = admin_client.post(
        url("icp_weights"), {"version": profile.version - 1, "weight_0": "1", "weight_1": "5"}
    )
    assert stale.status_code == 409
    profile.refresh_from_db()
    assert [c["weight"] for c in profile.criteria] == [30, 70]
    ok = admin_client.post(
        url("icp_weights"), {"version": profile.version, "weight_0": "0", "weight_1": "0"}
    )
    assert ok.status_code == 302
    body = admin_client.get(url("icp")).content.decode()
    assert "Every weight is 0, so every record scores 0." in body


def test_edit_and_remove_a_criterion(admin_client, url, profile):
    form = admin_client.get(url("icp_criterion_edit", 1))
    assert 'value="France"' in form.content.decode()
    saved = admin_client.post(
        url("icp_criterion_edit", 1),
        {
            "kind": "field_in",
            "field": "country",
            "values": "Spain, Italy",
            "weight": "20",
            "version": profile.version,
        },
    )
    assert saved.status_code == 302
    profile.refresh_from_db()
    assert profile.criteria[1]["params"]["values"] == ["Spain", "Italy"]
    removed = admin_client.post(url("icp_criterion_delete", 0), {"version": profile.version})
    assert removed.status_code == 302
    profile.refresh_from_db()
    assert [c["params"]["field"] for c in profile.criteria] == ["country"]
    assert admin_client.get(url("icp_criterion_edit", 1)).status_code == 404


def test_choosing_another_kind_swaps_in_its_fields(admin_client, url, profile):
    response = admin_client.get(url("icp_criterion_create", query="?kind=activity_count"), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'name="min_count"' in body and 'name="within_days"' in body
    seniority = admin_client.get(url("icp_criterion_create", query="?kind=contact_seniority_in"))
    assert 'type="checkbox" name="values" value="vp"' in seniority.content.decode()


def test_progress_bar_polls_while_a_recompute_runs(admin_client, url, profile):
    IcpProfile.objects.filter(pk=profile.pk).update(
        recompute_started_at=timezone.now(), recompute_total=200, recompute_done=50
    )
    running = admin_client.get(url("icp_progress"), **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in running and "50 of 200 (25 %)" in running
    IcpProfile.objects.filter(pk=profile.pk).update(
        recompute_finished_at=timezone.now(), last_full_recompute_at=timezone.now()
    )
    done = admin_client.get(url("icp_progress"), **HTMX).content.decode()
    assert "hx-trigger" not in done and "Last full recompute" in done


def test_saving_queues_a_recompute_after_commit(
    admin_client, url, profile, django_capture_on_commit_callbacks, sent_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url("icp_weights"), {"version": profile.version, "weight_0": "1", "weight_1": "2"}
        )
    assert sent_tasks == [("records.tasks.icp_recompute", (profile.workspace_id,))]
    page = admin_client.get(url("icp")).content.decode()
    assert "queued" in page


def test_a_workspace_without_a_profile_gets_the_default(admin_client, url, workspace):
    assert admin_client.get(url("icp")).status_code == 200
    assert IcpProfile.objects.get(workspace=workspace).criteria == DEFAULT_CRITERIA


def test_points_when_met_add_up_to_100(workspace):
    flag = {"kind": "flag_set", "params": {"flag": "buying_intent"}}
    profile = IcpProfile.objects.create(workspace=workspace, criteria=[{**flag, "weight": 1}] * 3)
    rows = icp_profile_criteria(profile, icp_fields(workspace))
    assert [row.share for row in rows] == [34, 33, 33]
