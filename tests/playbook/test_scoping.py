"""Scoping that cannot be forgotten, in the ORM layer (ADR 0006).

Every query of a tenant table in the application's source starts with one of its queryset's
`entry_points`: `Model.objects.of(workspace)`, or an explicitly cross-workspace one such as
`all_workspaces()`. Inserts that name their workspace (`create(workspace=...)`) and
`bulk_create` of rows that carry theirs are allowed. Relation managers of an object already
scoped (`record.contacts`, `stage.rules`) are scoped through it. Tests and migrations are not
walked: fixtures build several workspaces on purpose.

The walk reads the source with `ast`, so it finds what grep would miss (a query split over
lines) and nothing that merely mentions a model.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

from playbook.models import TenantModel, TenantQuerySet

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {"tests", "migrations", ".venv", ".ci-venv", "node_modules", "static", "var"}
MANAGER_ATTRS = {"objects", "_default_manager", "_base_manager"}
# Writes that carry their own workspace: the row names it, so there is nothing to scope.
INSERTS_NAMING_WORKSPACE = {"create", "get_or_create", "update_or_create"}


def tenant_models():
    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


def entry_points():
    names = set(TenantQuerySet.entry_points)
    for model in tenant_models():
        names |= set(getattr(model._default_manager._queryset_class, "entry_points", ()))
    return names


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if parts & SKIP_DIRS or any(p.startswith(".") for p in parts):
            continue
        yield path


def _names_workspace(call: ast.Call) -> bool:
    return any(k.arg in ("workspace", "workspace_id") for k in call.keywords)


def _manager_of_tenant_model(node, tenant_names) -> str | None:
    """`Record.objects`, `Record._default_manager`, `Record.history` (class-level history
    spans every record) or `Record.history.model.objects`: the model's name, else None."""
    if not isinstance(node, ast.Attribute):
        return None
    value = node.value
    if node.attr in MANAGER_ATTRS | {"history"} and isinstance(value, ast.Name):
        return value.id if value.id in tenant_names else None
    if (
        node.attr in MANAGER_ATTRS
        and isinstance(value, ast.Attribute)
        and value.attr == "model"
        and isinstance(value.value, ast.Attribute)
        and value.value.attr == "history"
    ):
        return "history model"
    return None


def unscoped_queries(tree: ast.AST, tenant_names: set[str], allowed: set[str]):
    return sorted(_unscoped(tree, tenant_names, allowed))


def _unscoped(tree, tenant_names, allowed):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        model = _manager_of_tenant_model(node, tenant_names)
        if model is None:
            continue
        parent = parents.get(node)
        # `Record.history.model` is the historical model class itself, not a query.
        if isinstance(parent, ast.Attribute) and parent.attr == "model" and node.attr == "history":
            continue
        if isinstance(parent, ast.Attribute):
            call = parents.get(parent)
            method = parent.attr
            if method in allowed:
                continue
            if method == "bulk_create":
                continue
            if (
                method in INSERTS_NAMING_WORKSPACE
                and isinstance(call, ast.Call)
                and _names_workspace(call)
            ):
                continue
            yield node.lineno, f"{ast.unparse(node)}.{method}"
        else:
            yield node.lineno, ast.unparse(node)


def test_every_query_of_a_tenant_model_is_scoped():
    tenant_names = {m.__name__ for m in tenant_models()}
    allowed = entry_points()
    found = []
    for path in source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, text in unscoped_queries(tree, tenant_names, allowed):
            found.append(f"{path.relative_to(ROOT)}:{line}: {text}(...)")
    assert not found, (
        "These query a tenant table without Model.objects.of(workspace) (or an explicit "
        "cross-workspace entry point such as all_workspaces(); see ADR 0006):\n  "
        + "\n  ".join(found)
    )


def test_the_walk_finds_what_it_must():
    tenant_names = {"Record", "Membership"}
    allowed = {"of", "all_workspaces"}
    source = """
Record.objects.filter(workspace=ws)
Record.objects.select_related("owner").filter(workspace=ws)
Record.objects.of(ws).filter(name="x")
Record.objects.all_workspaces().count()
Record.objects.create(workspace=ws, name="x")
Record.objects.create(name="x")
Record.objects.bulk_create(rows)
Record.history.model.objects.filter(id=1)
Record.history.of(ws)
Record.history.filter(id=1)
insert_rows(Record.history.model, [])
Membership._default_manager.all()
qs = Record.objects
record.contacts.all()
User.objects.filter(id=1)
"""
    found = [text for _, text in unscoped_queries(ast.parse(source), tenant_names, allowed)]
    assert found == [
        "Record.objects.filter",
        "Record.objects.select_related",
        "Record.objects.create",
        "Record.history.model.objects.filter",
        "Record.history.filter",
        "Membership._default_manager.all",
        "Record.objects",
    ]


def test_every_tenant_manager_has_the_scoped_entry_point():
    for model in tenant_models():
        assert hasattr(model._default_manager, "of"), model
        assert isinstance(model._default_manager.all(), TenantQuerySet), model
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        if history:
            assert hasattr(getattr(model, history), "of"), f"{model.__name__}.{history}"
