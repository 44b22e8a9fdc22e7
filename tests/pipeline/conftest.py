"""Fixtures for the pipeline tests: a workspace with the default stages, people per team, and
records that meet the entry rules up to a given stage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services as customers_services
from pipeline import services
from pipeline.models import StageDefinition
from playbook.models import Role
from tests.factories import ActivityFactory, ContactFactory, RecordFactory


@pytest.fixture
def pipeline_ws(workspace):
    """The `workspace` fixture with the default stages, rules and lost reasons."""
    services.pipeline_install_defaults(workspace=workspace)
    return workspace


@pytest.fixture
def stages(pipeline_ws):
    """The default stages by key: stages["lead"], stages["mql"] ..."""
    return {s.key: s for s in StageDefinition.objects.filter(workspace=pipeline_ws)}


@pytest.fixture
def team(pipeline_ws, member_factory):
    """One member per role (plus a second SDR): team["sdr"], team["sdr2"], team["ae"] ..."""
    people = {role: member_factory(pipeline_ws, role) for role in Role.values}
    people["sdr2"] = member_factory(pipeline_ws, Role.SDR)
    return people


def qualify(record, up_to: str):
    """Make `record` meet the default entry rules of every stage up to `up_to`."""
    order = ["lead", "mql", "sql", "opportunity", "won"]
    reach = order.index(up_to)
    if not record.contacts.filter(is_primary=True).exists():
        ContactFactory(record=record, is_primary=True, phone_valid=True, email_valid=True)
    if reach >= 1:
        record.icp_score = 80
        record.problem_acknowledged = True
    if reach >= 2:
        record.details_verified = True
        ActivityFactory(record=record, kind="demo", done=True)
    if reach >= 3:
        record.buying_intent = True
        record.decision_maker_identified = True
        record.expected_arr = Decimal("24000")
        record.expected_close_date = (timezone.now() + timedelta(days=30)).date()
    if reach >= 4:
        record.contract_signed = True
        # Won asks for an active subscription (customers app, ADR 0301).
        customers_services.subscription_start(
            workspace=record.workspace,
            record=record,
            mrr=record.expected_arr / 12,
            started_on=timezone.localdate() - timedelta(days=1),
            actor=None,
        )
    record.save()
    return record


@pytest.fixture
def make_record(pipeline_ws, stages):
    """make_record(stage_key="lead", qualified_for=None, **fields): a record placed in a stage
    (entered `days_in` days ago), optionally meeting the rules up to `qualified_for`."""

    def make(stage_key="lead", qualified_for=None, days_in=1, **fields):
        record = RecordFactory(workspace=pipeline_ws, **fields)
        if qualified_for:
            qualify(record, qualified_for)
        record.stage = stages[stage_key]
        record.stage_entered_at = timezone.now() - timedelta(days=days_in)
        record.save()
        return record

    return make
