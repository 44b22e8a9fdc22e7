"""One of every object kind of a workspace, for the tests that walk every route and every tenant
table (tests/playbook/test_tenancy.py, test_robustness.py, test_rls.py).

`build_world(workspace, user)` returns the ids by the names routes give them (`record_id`,
`stage_id`, ...): one id, or several when a kind has states a route cares about (a live and a
deleted record). An app that adds a tenant model, or a route with a new id kind, adds its object
here; the walking tests name what is missing.
"""

from datetime import date

from django.apps import apps
from django.utils import timezone

from bulk.models import BulkAction, BulkItem
from customers.services.ledger import subscription_start
from dataio.models import ImportColumnMemory, ImportedRecord, RecordImport
from jobs.models import Job, JobStatus
from notifications.models import Notification, NotificationKind
from pipeline.services import icp_calibration_refresh
from playbook.audit import audit_record
from playbook.models import AuditKind, Role, TenantModel, Workspace
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import ColumnChoice, ContactChange, IcpProfile, RoleDefaultView, SavedView
from targets.models import MetricSnapshot
from tests.customers.world import customer_rows
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    InvitationFactory,
    LostReasonFactory,
    MembershipFactory,
    QualificationRuleFactory,
    RecordFactory,
    SeasonalityCurveFactory,
    StageDefinitionFactory,
    StageTransitionFactory,
    TargetFactory,
)


def build_world(workspace, user) -> dict[str, int | str | tuple[int, ...]]:
    """Rows in every tenant table of `workspace`; `user` (a member) owns and is assigned them."""
    stage = StageDefinitionFactory(workspace=workspace, team="sales")
    record = RecordFactory(workspace=workspace, owner=user, stage=stage)  # + a history row
    deleted = RecordFactory(workspace=workspace, owner=user, deleted_at=timezone.now())
    transition = StageTransitionFactory(record=record, to_stage=stage)
    IcpProfile.objects.get_or_create(workspace=workspace, defaults={"criteria": DEFAULT_CRITERIA})
    icp_calibration_refresh(workspace=workspace)
    audit_record(workspace=workspace, actor=user, kind=AuditKind.EXPORT, target=record)
    SeasonalityCurveFactory(workspace=workspace)
    MetricSnapshot.objects.create(
        workspace=workspace, month=date.today().replace(day=1), scope_key="workspace", leads=1,
        computed_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    subscription = subscription_start(  # + its first ledger row (and classified movement)
        workspace=workspace, record=record, mrr="100", started_on=date.today(), actor=user
    )
    record_import = RecordImport.objects.create(
        workspace=workspace, file_name="records.csv", content="Company\nAcme\n,\n",
        header=["Company"], mapping=["record.name"], status="done", refused=[[3, "No name."]],
        created_by=user, stage=stage,
    )  # fmt: skip
    ImportedRecord.objects.create(workspace=workspace, record_import=record_import, record=record)
    ImportColumnMemory.objects.create(workspace=workspace, column="company", target="record.name")
    shared_view = SavedView.objects.create(
        workspace=workspace, owner=user, name="Shared", shared=True, params={"owner": ["me"]}
    )
    private_view = SavedView.objects.create(workspace=workspace, owner=user, name="Mine")
    RoleDefaultView.objects.create(workspace=workspace, role=Role.SDR, view=shared_view)
    ColumnChoice.objects.create(workspace=workspace, user=user, columns=["stage"])
    bulk = BulkAction.objects.create(workspace=workspace, kind="delete", actor=user, total=1)
    BulkItem.objects.create(workspace=workspace, bulk=bulk, record=record)
    ContactChange.objects.create(workspace=workspace, record=record, kind="added", name="Ada")
    return {
        **customer_rows(workspace, record, subscription, user),
        "record_import_id": record_import.pk,
        "bulk_id": bulk.pk,
        "record_id": (record.pk, deleted.pk),
        "other_id": deleted.pk,  # the other record of a merge
        "view_id": (shared_view.pk, private_view.pk),
        "stage_id": stage.pk,
        "transition_id": transition.pk,
        "rule_id": QualificationRuleFactory(stage=stage).pk,
        "contact_id": ContactFactory(record=record).pk,
        "activity_id": ActivityFactory(record=record, kind="task", assignee=user).pk,
        "field_id": CustomFieldDefinitionFactory(workspace=workspace).pk,
        "invitation_id": InvitationFactory(workspace=workspace).pk,
        "membership_id": MembershipFactory(workspace=workspace, role=Role.SDR).pk,
        "reason_id": LostReasonFactory(workspace=workspace).pk,
        "subscription_id": subscription.pk,
        "index": 0,  # ICP criteria are addressed by their place in the workspace's profile
        "target_id": TargetFactory(workspace=workspace).pk,
        "job_id": Job.objects.create(
            workspace=workspace, task="targets.tasks.metrics_rebuild", status=JobStatus.FAILED
        ).pk,
        "notification_id": Notification.objects.create(
            workspace=workspace, recipient=user, record=record, kind=NotificationKind.HANDOFF
        ).pk,
        # Dashboards are addressed by the names of a home and its panel (dashboards.registry).
        "home": "leader",
        "panel": "targets",
    }


# Path parameters that are places in the workspace's own list or names that every workspace
# shares (a dashboard home and panel), not ids: the same value names something in every
# workspace, so "another workspace's" value does not exist for them.
# tests/records/test_tenancy.py checks a place that only another workspace's list has.
POSITIONS = {"index", "home", "panel"}


def ids_of(world, name) -> tuple[int, ...]:
    value = world[name]
    return value if isinstance(value, tuple) else (value,)


def first_ids(world) -> dict[str, int]:
    return {name: ids_of(world, name)[0] for name in world}


def tenant_tables() -> dict[str, type]:
    """Every table that holds a workspace's rows: the TenantModel subclasses, any model with a
    workspace column (simple-history's copies), and the M2M tables of tenant models."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        columns = {f.column for f in model._meta.concrete_fields}
        if issubclass(model, TenantModel) or ("workspace_id" in columns and model is not Workspace):
            tables[model._meta.db_table] = model
    return tables


def snapshot(workspace) -> dict[str, list[dict]]:
    """Every row of `workspace` in every tenant table, to show a request changed none of them."""
    return {
        table: list(model._base_manager.filter(workspace_id=workspace.pk).order_by("pk").values())
        for table, model in tenant_tables().items()
    }
