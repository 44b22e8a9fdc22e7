"""One of every object kind of a workspace, for the tests that walk every route and every tenant
table (tests/playbook/test_tenancy.py, test_robustness.py, test_rls.py).

`build_world(workspace, user)` returns the ids by the name routes give them (`record_id`,
`stage_id`, ...). An app that adds a tenant model or a route with a new id kind adds one line
here; the walking tests say so by name when it is missing.
"""

from datetime import date

from customers.services.ledger import subscription_start
from playbook.audit import audit_record
from playbook.models import AuditKind, Role
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import IcpProfile
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


def build_world(workspace, user) -> dict[str, int]:
    """Rows in every tenant table of `workspace`; `user` (a member) owns and is assigned them."""
    stage = StageDefinitionFactory(workspace=workspace, team="sales")
    record = RecordFactory(workspace=workspace, owner=user, stage=stage)  # + a history row
    StageTransitionFactory(record=record, to_stage=stage)
    IcpProfile.objects.get_or_create(workspace=workspace, defaults={"criteria": DEFAULT_CRITERIA})
    audit_record(workspace=workspace, actor=user, kind=AuditKind.EXPORT, target=record)
    SeasonalityCurveFactory(workspace=workspace)
    MetricSnapshot.objects.create(
        workspace=workspace, month=date.today().replace(day=1), scope_key="workspace", leads=1,
        computed_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    subscription = subscription_start(  # + its first ledger row (and classified movement)
        workspace=workspace, record=record, mrr="100", started_on=date.today(), actor=user
    )
    return {
        **customer_rows(workspace, record, subscription, user),
        "subscription_id": subscription.pk,
        "record_id": record.pk,
        "stage_id": stage.pk,
        "rule_id": QualificationRuleFactory(stage=stage).pk,
        "contact_id": ContactFactory(record=record).pk,
        "activity_id": ActivityFactory(record=record, kind="task", assignee=user).pk,
        "field_id": CustomFieldDefinitionFactory(workspace=workspace).pk,
        "invitation_id": InvitationFactory(workspace=workspace).pk,
        "membership_id": MembershipFactory(workspace=workspace, role=Role.SDR).pk,
        "reason_id": LostReasonFactory(workspace=workspace).pk,
        "index": 0,  # ICP criteria are addressed by their place in the workspace's profile
        "target_id": TargetFactory(workspace=workspace).pk,
    }
