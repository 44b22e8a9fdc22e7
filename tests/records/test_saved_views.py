"""Saved views of the records list: the services (who may change what, private vs shared), the
built-in views and role defaults, and the list read through a view (docs/adr/0112)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from pipeline.models import StageDefinition
from playbook.models import Role
from playbook.services import workspace_create
from records.models import ColumnChoice, RoleDefaultView, SavedView
from records.services import saved_views as services
from records.view_defaults import BUILTIN_VIEWS, ROLE_DEFAULTS
from tests.factories import RecordFactory, StageDefinitionFactory, UserFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def _view(workspace, member, name="Mine", shared=False, params="owner=me", columns=None):
    return services.saved_view_create(
        workspace=workspace,
        member=member,
        name=name,
        shared=shared,
        params=QueryDict(params),
        columns=columns,
    )


# --- services ---------------------------------------------------------------------------------


class TestCreate:
    def test_keeps_the_filters_and_sort_not_the_paging(self, workspace, admin):
        view = _view(workspace, admin, params="owner=me&stage=3&cursor=abc&size=10&view=7&q=")
        assert view.params == {"owner": ["me"], "stage": ["3"], "sort": ["-updated"]}
        assert view.owner == admin.user and not view.shared

    def test_columns_are_cleaned_and_default(self, workspace, admin):
        assert _view(workspace, admin, name="A", columns=None).columns[:2] == ["stage", "owner"]
        cleaned = _view(workspace, admin, name="B", columns=["icp", "nope", "icp", "owner"])
        assert cleaned.columns == ["icp", "owner"]

    def test_needs_a_name(self, workspace, admin):
        with pytest.raises(ValidationError) as exc:
            _view(workspace, admin, name="  ")
        assert "name" in exc.value.message_dict

    def test_a_name_is_unique_among_what_one_member_sees(self, workspace, admin, member_factory):
        _view(workspace, admin, name="Hot deals")
        with pytest.raises(ValidationError):
            _view(workspace, admin, name="hot DEALS")
        # Another member's private view of that name is no clash; a shared one is.
        other = member_factory(workspace, Role.AE)
        _view(workspace, other, name="Hot deals")
        _view(workspace, other, name="Team deals", shared=True)
        with pytest.raises(ValidationError):
            _view(workspace, admin, name="Team deals", shared=True)


class TestPermissions:
    def test_the_owner_updates_renames_and_deletes(self, workspace, member_factory):
        rep = member_factory(workspace, Role.SDR)
        view = _view(workspace, rep)
        services.saved_view_update(view=view, member=rep, params=QueryDict("status=lost"))
        assert view.params == {"status": ["lost"], "sort": ["-updated"]}
        services.saved_view_rename(view=view, member=rep, name="Lost ones", shared=True)
        view.refresh_from_db()
        assert view.name == "Lost ones" and view.shared
        services.saved_view_delete(view=view, member=rep)
        assert not SavedView.objects.filter(pk=view.pk).exists()

    def test_another_member_may_not_change_a_view(self, workspace, member_factory):
        owner, other = member_factory(workspace, Role.AE), member_factory(workspace, Role.AE)
        shared = _view(workspace, owner, name="Shared", shared=True)
        for call in (
            lambda: services.saved_view_update(view=shared, member=other, params=QueryDict()),
            lambda: services.saved_view_rename(view=shared, member=other, name="X", shared=True),
            lambda: services.saved_view_delete(view=shared, member=other),
        ):
            with pytest.raises(PermissionDenied):
                call()

    def test_an_admin_changes_shared_views_not_private_ones(self, workspace, admin, member_factory):
        rep = member_factory(workspace, Role.AE)
        shared = _view(workspace, rep, name="Shared", shared=True)
        private = _view(workspace, rep, name="Private")
        services.saved_view_rename(view=shared, member=admin, name="Team view", shared=True)
        with pytest.raises(PermissionDenied):
            services.saved_view_delete(view=private, member=admin)
        services.saved_view_delete(view=shared, member=admin)

    def test_a_role_default_stays_shared_and_a_builtin_has_no_owner_to_keep_it(
        self, workspace, admin
    ):
        view = _view(workspace, admin, name="Team", shared=True)
        services.role_default_set(workspace=workspace, member=admin, role="sdr", view=view)
        with pytest.raises(ValidationError) as exc:
            services.saved_view_rename(view=view, member=admin, name="Team", shared=False)
        assert "SDR" in str(exc.value)
        builtin = SavedView.objects.create(workspace=workspace, name="B", shared=True, builtin="b")
        with pytest.raises(ValidationError):
            services.saved_view_rename(view=builtin, member=admin, name="B", shared=False)


class TestRoleDefaults:
    def test_only_admins_choose_and_only_shared_views(self, workspace, admin, member_factory):
        rep = member_factory(workspace, Role.AE)
        private = _view(workspace, admin, name="Private")
        with pytest.raises(PermissionDenied):
            services.role_default_set(workspace=workspace, member=rep, role="ae", view=None)
        with pytest.raises(ValidationError):
            services.role_default_set(workspace=workspace, member=admin, role="ae", view=private)
        shared = _view(workspace, admin, name="Shared", shared=True)
        services.role_default_set(workspace=workspace, member=admin, role="ae", view=shared)
        services.role_default_set(workspace=workspace, member=admin, role="ae", view=shared)
        assert RoleDefaultView.objects.get(workspace=workspace, role="ae").view == shared
        services.role_default_set(workspace=workspace, member=admin, role="ae", view=None)
        assert not RoleDefaultView.objects.filter(workspace=workspace).exists()


class TestBuiltinViews:
    def test_a_new_workspace_gets_them_with_its_stages_and_role_defaults(self, db):
        workspace = workspace_create(name="Fresh", slug="fresh-views", owner=UserFactory())
        views = {v.builtin: v for v in SavedView.objects.filter(workspace=workspace)}
        assert set(views) == {spec["key"] for spec in BUILTIN_VIEWS}
        assert all(v.shared and v.owner_id is None for v in views.values())
        mql = views["my_mqls"].params
        stage = StageDefinition.objects.get(workspace=workspace, key="mql")
        assert mql["stage"] == [str(stage.pk)] and mql["owner"] == ["me"]
        defaults = dict(
            RoleDefaultView.objects.filter(workspace=workspace).values_list("role", "view__builtin")
        )
        assert defaults == ROLE_DEFAULTS and "admin" not in defaults
        # Installing again adds nothing (the data migration and a re-run are safe).
        assert services.saved_views_install_builtin(workspace=workspace) == 0

    def test_a_workspace_without_a_stage_gets_no_view_for_it(self, workspace):
        StageDefinitionFactory(workspace=workspace, key="mql")
        services.saved_views_install_builtin(workspace=workspace)
        keys = set(SavedView.objects.filter(workspace=workspace).values_list("builtin", flat=True))
        assert "my_mqls" in keys and "my_open_opportunities" not in keys
        assert not RoleDefaultView.objects.filter(workspace=workspace, role="ae").exists()


class TestColumnsChoose:
    def test_kept_on_a_view_its_chooser_may_change(self, workspace, admin):
        view = _view(workspace, admin)
        services.columns_choose(workspace=workspace, member=admin, view=view, columns=["icp"])
        view.refresh_from_db()
        assert view.columns == ["icp"] and not ColumnChoice.objects.exists()

    def test_else_a_members_own_choice(self, workspace, admin, member_factory):
        rep = member_factory(workspace, Role.SDR)
        view = _view(workspace, admin, shared=True)
        services.columns_choose(workspace=workspace, member=rep, view=view, columns=["icp"])
        services.columns_choose(workspace=workspace, member=rep, view=None, columns=["owner"])
        services.columns_choose(workspace=workspace, member=rep, view=None, columns=["stage"])
        view.refresh_from_db()
        assert view.columns != ["icp"]
        choices = dict(ColumnChoice.objects.filter(user=rep.user).values_list("view", "columns"))
        assert choices == {view.pk: ["icp"], None: ["stage"]}


# --- the list through a view ------------------------------------------------------------------


def _results(response) -> set[str]:
    return {r.name for r in response.context["page"].items}


class TestListWithAView:
    def test_a_view_applies_its_filters_and_the_filter_bar_shows_them(
        self, admin_client, workspace, admin, url
    ):
        RecordFactory(workspace=workspace, name="Won", status="lost")
        RecordFactory(workspace=workspace, name="Open")
        view = _view(workspace, admin, name="Lost", params="owner=any&status=lost&sort=name")
        response = admin_client.get(url("list", query=f"?view={view.pk}"))
        assert response.status_code == 200 and _results(response) == {"Won"}
        assert response.context["filterset"].form["status"].value() == "lost"
        assert response.context["sort_value"] == "name"
        assert response.context["state"].view == view and not response.context["state"].edited
        # Links keep the view's query: the next sort, the export.
        assert "status=lost" in response.context["export_url"]
        assert f"view={view.pk}" in response.context["export_url"]

    def test_changed_filters_mark_the_view_edited(self, admin_client, workspace, admin, url):
        view = _view(workspace, admin, params="owner=any&status=lost")
        same = admin_client.get(url("list", query=f"?view={view.pk}&status=lost&sort=-updated"))
        assert not same.context["state"].edited
        changed = admin_client.get(url("list", query=f"?view={view.pk}&status=open&sort=-updated"))
        assert changed.context["state"].edited
        assert "Update “Mine”" in changed.content.decode()

    def test_htmx_answers_the_results_of_the_view(self, admin_client, workspace, admin, url):
        RecordFactory(workspace=workspace, name="Lost one", status="lost")
        RecordFactory(workspace=workspace, name="Open one")
        view = _view(workspace, admin, params="status=lost")
        response = admin_client.get(url("list", query=f"?view={view.pk}"), **HTMX)
        body = response.content.decode()
        assert response.status_code == 200 and body.lstrip().startswith('<div id="record-results"')
        assert "Lost one" in body and "Open one" not in body

    def test_another_members_private_view_is_404(
        self, client, workspace, admin, member_factory, url
    ):
        private = _view(workspace, admin, name="Private")
        rep = member_factory(workspace, Role.SDR)
        client.force_login(rep.user)
        assert client.get(url("list", query=f"?view={private.pk}")).status_code == 404
        for name in ("view_update", "view_edit", "view_delete"):
            assert client.post(url(name, private.pk)).status_code == 404
        columns = client.post(url("columns"), {"view": private.pk, "columns": ["icp"]})
        assert columns.status_code == 404
        # A shared view of someone else: seen, not changed.
        shared = _view(workspace, admin, name="Shared", shared=True)
        assert client.get(url("list", query=f"?view={shared.pk}")).status_code == 200
        assert client.post(url("view_delete", shared.pk)).status_code == 403
        assert client.get(url("view_edit", shared.pk)).status_code == 403

    def test_another_workspaces_view_is_404_on_every_url(
        self, admin_client, workspace, other_workspace, member_factory, url
    ):
        stranger = member_factory(other_workspace, Role.ADMIN)
        theirs = _view(other_workspace, stranger, name="Theirs", shared=True)
        assert admin_client.get(url("list", query=f"?view={theirs.pk}")).status_code == 404
        assert admin_client.get(url("export", query=f"?view={theirs.pk}")).status_code == 404
        for name in ("view_update", "view_edit", "view_delete"):
            assert admin_client.post(url(name, theirs.pk)).status_code == 404
        assert admin_client.get(url("view_edit", theirs.pk)).status_code == 404
        columns = admin_client.post(url("columns"), {"view": theirs.pk, "columns": ["icp"]})
        assert columns.status_code == 404
        SavedView.objects.get(pk=theirs.pk)  # untouched

    def test_bad_view_ids_are_404(self, admin_client, url):
        assert admin_client.get(url("list", query="?view=abc")).status_code == 404
        assert admin_client.get(url("list", query="?view=99999999")).status_code == 404


class TestRoleDefaultOnTheList:
    @pytest.fixture
    def fresh(self, db):
        owner = UserFactory()
        return workspace_create(name="Fresh", slug="fresh-list", owner=owner), owner

    def test_an_sdr_opens_on_my_mqls_and_can_get_to_all_records(
        self, client, fresh, member_factory
    ):
        workspace, _ = fresh
        sdr = member_factory(workspace, Role.SDR)
        stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
        RecordFactory(workspace=workspace, name="Mine MQL", owner=sdr.user, stage=stages["mql"])
        RecordFactory(workspace=workspace, name="Mine lead", owner=sdr.user, stage=stages["lead"])
        RecordFactory(workspace=workspace, name="Other MQL", stage=stages["mql"])
        client.force_login(sdr.user)
        base = f"/w/{workspace.slug}/records/"
        response = client.get(base)
        assert response.context["state"].view.builtin == "my_mqls"
        assert _results(response) == {"Mine MQL"}
        assert "View: <strong>My MQLs</strong>" in response.content.decode()
        everyone = client.get(base + "?view=all&owner=any")
        assert everyone.context["state"].view is None
        assert _results(everyone) == {"Mine MQL", "Mine lead", "Other MQL"}

    def test_an_admin_opens_on_every_record_and_sets_the_defaults(self, client, fresh):
        workspace, owner = fresh
        client.force_login(owner)
        base = f"/w/{workspace.slug}"
        assert client.get(f"{base}/records/").context["state"].view is None
        page = client.get(f"{base}/settings/views/")
        assert page.status_code == 200 and "Account executive" in page.content.decode()
        nurture = SavedView.objects.get(workspace=workspace, builtin="nurture")
        data = {f"role_{role}": "" for role in Role.values}
        data["role_admin"] = str(nurture.pk)
        assert client.post(f"{base}/settings/views/", data).status_code == 302
        defaults = RoleDefaultView.objects.filter(workspace=workspace)
        assert dict(defaults.values_list("role", "view")) == {"admin": nurture.pk}
        assert client.get(f"{base}/records/").context["state"].view == nurture

    def test_only_admins_see_the_defaults_page(self, client, workspace, member_factory, url):
        client.force_login(member_factory(workspace, Role.LEADER).user)
        assert client.get(url("role_defaults")).status_code == 403


class TestViewForms:
    def test_save_the_list_as_a_view(self, admin_client, workspace, admin, url):
        response = admin_client.post(
            url("view_create"),
            {"name": "Lost in Germany", "query": "status=lost&country=Germany&cursor=x"},
        )
        view = SavedView.objects.get(workspace=workspace, name="Lost in Germany")
        assert response.status_code == 302 and response["Location"].endswith(f"?view={view.pk}")
        assert view.params == {"status": ["lost"], "country": ["Germany"], "sort": ["-updated"]}
        assert not view.shared and view.owner == admin.user

    def test_a_refused_name_says_why(self, admin_client, url):
        response = admin_client.post(url("view_create"), {"name": "", "query": ""}, follow=True)
        assert "Give the view a name" in response.content.decode()

    def test_update_with_the_filters_on_screen(self, admin_client, workspace, admin, url):
        view = _view(workspace, admin)
        response = admin_client.post(url("view_update", view.pk), {"query": "status=nurture"})
        view.refresh_from_db()
        assert response.status_code == 302 and view.params["status"] == ["nurture"]

    def test_rename_share_and_delete(self, admin_client, workspace, admin, url):
        view = _view(workspace, admin)
        assert admin_client.get(url("view_edit", view.pk)).status_code == 200
        bad = admin_client.post(url("view_edit", view.pk), {"name": ""})
        assert bad.status_code == 400
        admin_client.post(url("view_edit", view.pk), {"name": "Renamed", "shared": "on"})
        view.refresh_from_db()
        assert view.name == "Renamed" and view.shared
        response = admin_client.post(url("view_delete", view.pk))
        assert response.status_code == 302 and not SavedView.objects.filter(pk=view.pk).exists()
