"""PostgreSQL row-level security on every tenant table, and the connection's scope (ADR 0006).

The suite logs in as a superuser (factories build several workspaces); requests and tasks switch
to settings.DATABASE_APP_ROLE through playbook.tenancy. Here the app role is taken on purpose,
to see what the database itself lets through.
"""

import inspect

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from playbook import tenancy
from playbook.middleware import WorkspaceMiddleware
from playbook.models import Membership, Role, TenantModel
from playbook.rls import POLICY, SETTING, USER_SETTING
from records.models import Record
from tests.factories import InvitationFactory, MembershipFactory, RecordFactory, UserFactory
from tests.world import build_world, tenant_tables

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]

ROLE = settings.DATABASE_APP_ROLE


def _m2m_of_tenant_models():
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, TenantModel)
        for field in model._meta.many_to_many
    ]


def _as_app_role(sql, params=(), *, workspace="", user=""):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('role', %s, true), set_config(%s, %s, true), "
            "set_config(%s, %s, true)",
            [ROLE, SETTING, str(workspace), USER_SETTING, str(user)],
        )
        # A refused statement aborts the (test's) savepoint, whose rollback undoes the role too.
        cursor.execute(sql, params)
        result = cursor.fetchall() if cursor.description else cursor.rowcount
        cursor.execute("RESET ROLE")
        return result


def test_the_app_role_neither_bypasses_nor_owns():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [ROLE])
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = %s)",
            [ROLE],
        )
        assert cursor.fetchall() == []


def _relkinds(tables) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relkind FROM pg_class WHERE relname = ANY(%s) "
            "AND relnamespace = 'public'::regnamespace",
            [list(tables)],
        )
        return dict(cursor.fetchall())


def writable_tenant_tables() -> list[str]:
    tables = tenant_tables()
    kinds = _relkinds(tables)
    return sorted(t for t in tables if kinds.get(t) == "r")


def test_every_tenant_table_has_its_policy_enabled_and_forced():
    tables = tenant_tables()
    assert {"records_record", "records_historicalrecord", "playbook_membership"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, "
            "COALESCE(c.reloptions, '{}'), p.qual, p.with_check "
            "FROM pg_class c LEFT JOIN pg_policies p "
            "ON p.tablename = c.relname AND p.policyname = %s "
            "WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace",
            [POLICY, list(tables)],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    missing = []
    for table, model in sorted(tables.items()):
        kind, enabled, forced, options, qual, check = found.get(
            table, ("r", False, False, [], None, None)
        )
        if kind == "v":
            # A view runs as its owner unless security_invoker: its tables' policies would then
            # bind the owner (BYPASSRLS) instead of the app.
            if "security_invoker=true" not in options:
                missing.append(f"{table} ({model._meta.label}): a view without security_invoker")
        elif not (enabled and forced and qual and SETTING in qual and check and SETTING in check):
            missing.append(f"{table} ({model._meta.label})")
    assert not missing, (
        "Tenant tables without row-level security: add "
        'TenantRowLevelSecurity("<table>") from playbook.rls right after the CreateModel in the '
        "migration that creates each of:\n  " + "\n  ".join(missing)
    )


def test_many_to_many_of_tenant_models_go_through_a_tenant_model():
    bare = [
        f"{model._meta.label}.{field.name}"
        for model, field in _m2m_of_tenant_models()
        if not issubclass(field.remote_field.through, TenantModel)
    ]
    assert not bare, (
        "A many-to-many table of a tenant model has no workspace column, so no policy can guard "
        "it: give it an explicit `through=` model that subclasses TenantModel: " + ", ".join(bare)
    )


@pytest.fixture
def world(workspace, admin):
    return build_world(workspace, admin.user)


def test_with_no_workspace_set_every_tenant_table_reads_empty_and_refuses_writes(world, workspace):
    writable = writable_tenant_tables()
    for table in sorted(tenant_tables()):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            assert cursor.fetchone()[0] > 0, (
                f"{table} has no row to hide: add its object kind to tests/world.py"
            )
        assert _as_app_role(f'SELECT count(*) FROM "{table}"') == [(0,)], table
        assert _as_app_role(f'SELECT count(*) FROM "{table}"', workspace=workspace.pk) != [(0,)]
        if table not in writable:
            continue  # a view: read-only, its tables' policies apply through it
        assert _as_app_role(f'UPDATE "{table}" SET workspace_id = workspace_id') == 0, table
        assert _as_app_role(f'DELETE FROM "{table}"') == 0, table
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _as_app_role(f'INSERT INTO "{table}" (workspace_id) VALUES (%s)', [workspace.pk])


def test_another_workspace_is_invisible_and_cannot_be_written(world, workspace, other_workspace):
    theirs = RecordFactory(workspace=other_workspace)
    as_a = {"workspace": workspace.pk}
    assert _as_app_role("SELECT id FROM records_record WHERE id = %s", [theirs.pk], **as_a) == []
    assert (
        _as_app_role("UPDATE records_record SET name = 'x' WHERE id = %s", [theirs.pk], **as_a) == 0
    )
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        _as_app_role(
            "UPDATE records_record SET workspace_id = %s WHERE id = %s",
            [other_workspace.pk, world["record_id"][0]],
            **as_a,
        )


def test_a_user_sees_own_memberships_elsewhere_but_writes_only_in_scope(workspace, other_workspace):
    user = UserFactory()
    MembershipFactory(workspace=workspace, user=user)
    elsewhere = MembershipFactory(workspace=other_workspace, user=user, role=Role.SDR)
    stranger = MembershipFactory(workspace=other_workspace)
    rows = _as_app_role("SELECT id FROM playbook_membership ORDER BY id", user=user.pk)
    assert {r[0] for r in rows} == {m.pk for m in Membership.objects.of_user(user)}
    assert (stranger.pk,) not in rows
    # Readable is not writable: making oneself admin elsewhere is refused, in any scope.
    for scope in ({}, {"workspace": workspace.pk}):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _as_app_role(
                "UPDATE playbook_membership SET role = 'admin' WHERE id = %s",
                [elsewhere.pk],
                user=user.pk,
                **scope,
            )
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.SDR


def test_an_invitation_is_found_by_its_token_only(workspace):
    invitation = InvitationFactory(workspace=workspace, token="the-link")
    from playbook import selectors

    tenancy.begin_request()
    try:
        assert selectors.invitation_by_token(token="the-link") == invitation
        assert selectors.invitation_by_token(token="another-link") is None
        assert list(_invitations_visible()) == []
    finally:
        tenancy.end_request()


def _invitations_visible():
    from playbook.models import Invitation

    return Invitation.objects.all_workspaces()


# --- the scope per request ---------------------------------------------------------------------


def _request_through_middleware(user, slug, view):
    request = RequestFactory().get(f"/w/{slug}/")
    request.user = user
    request.session = {}
    middleware = WorkspaceMiddleware(
        lambda r: middleware.process_view(r, view, (), {"workspace_slug": slug}) or view(r)
    )
    return middleware(request)


def test_an_unscoped_query_in_a_request_returns_only_the_requests_workspace(
    world, workspace, other_workspace, admin
):
    build_world(other_workspace, MembershipFactory(workspace=other_workspace).user)
    seen = {}

    def careless_view(request):
        # Deliberately unscoped: the database, not the code, keeps B's rows out.
        for table, model in tenant_tables().items():
            seen[table] = set(model._base_manager.values_list("workspace_id", flat=True).distinct())
        return HttpResponse("ok")

    response = _request_through_middleware(admin.user, workspace.slug, careless_view)
    assert response.status_code == 200
    assert seen and all(ids == {workspace.pk} for ids in seen.values()), seen


def _connection_scope():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, current_setting(%s, true), current_setting(%s, true)",
            [SETTING, USER_SETTING],
        )
        return cursor.fetchone()


def test_nothing_is_left_on_the_connection_after_a_request(client, world, workspace, admin):
    login_user = _connection_scope()[0]
    client.force_login(admin.user)
    assert client.get(f"/w/{workspace.slug}/records/").status_code == 200
    assert _connection_scope() == (login_user, "", "")


def test_nothing_is_left_after_a_view_that_raised(world, workspace, admin):
    login_user = _connection_scope()[0]

    def failing_view(request):
        assert _connection_scope() == (ROLE, str(workspace.pk), str(admin.user.pk))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _request_through_middleware(admin.user, workspace.slug, failing_view)
    assert _connection_scope() == (login_user, "", "")


@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_carries_no_workspace_to_the_next_request(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    a, b = MembershipFactory(), MembershipFactory()
    RecordFactory(workspace=a.workspace, name="A's record")
    RecordFactory(workspace=b.workspace, name="B's record")
    seen = []

    def list_names(request):
        seen.append(
            (id(connection.connection), sorted(Record.objects.values_list("name", flat=True)))
        )
        return HttpResponse("ok")

    _request_through_middleware(a.user, a.workspace.slug, list_names)
    # A request outside any workspace (the login page, `/`) on the same connection.
    request = RequestFactory().get("/")
    request.user = a.user
    WorkspaceMiddleware(lambda r: list_names(r))(request)
    _request_through_middleware(b.user, b.workspace.slug, list_names)
    assert [names for _, names in seen] == [["A's record"], [], ["B's record"]]
    assert len({conn for conn, _ in seen}) == 1, "the connection was not reused"


# --- the scope per task --------------------------------------------------------------------------


def test_scopes_nest_and_restore_what_was_there(workspace, other_workspace):
    RecordFactory(workspace=workspace)
    RecordFactory(workspace=other_workspace)

    def visible():
        return set(Record.objects.all_workspaces().values_list("workspace_id", flat=True))

    with tenancy.workspace_scope(workspace.pk):
        assert visible() == {workspace.pk}
        with tenancy.workspace_scope(other_workspace):
            assert visible() == {other_workspace.pk}
        assert visible() == {workspace.pk}
    assert _connection_scope()[1] == ""


def test_every_task_taking_a_workspace_runs_in_its_scope():
    from playbook.celery import app

    app.loader.import_default_modules()
    unscoped = []
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        params = list(inspect.signature(task.run).parameters)
        if params[:1] == ["workspace_id"] and not getattr(task.run, "workspace_scoped", False):
            unscoped.append(name)
    assert not unscoped, (
        "Put @workspace_task (playbook.tenancy) under @shared_task on: " + ", ".join(unscoped)
    )


def test_a_task_sees_its_workspace_only(workspace, other_workspace):
    from pipeline.tasks import sla_reminders

    seen = {}

    @tenancy.workspace_task
    def probe(workspace_id):
        seen["ids"] = set(Record.objects.all_workspaces().values_list("workspace_id", flat=True))

    RecordFactory(workspace=workspace)
    RecordFactory(workspace=other_workspace)
    probe(workspace.pk)
    assert seen["ids"] == {workspace.pk}
    assert sla_reminders.run.workspace_scoped


def test_migrate_marks_the_search_functions_leakproof():
    """Django's icontains (UPPER(col) LIKE UPPER(...)) may use the trigram indexes under the
    policy only with these leakproof; migrate marks them when it runs as a superuser, as here
    (production: scripts/db-roles.sql). The plans at 100k records: docs/PERFORMANCE.md."""
    from playbook.rls import LEAKPROOF_FUNCTIONS

    with connection.cursor() as cursor:
        for function in LEAKPROOF_FUNCTIONS:
            cursor.execute(
                "SELECT proleakproof FROM pg_proc WHERE oid = %s::regprocedure", [function]
            )
            assert cursor.fetchone() == (True,), function
