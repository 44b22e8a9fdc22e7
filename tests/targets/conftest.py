"""Fixtures for the targets tests: a workspace with the default stages, one person per team,
and a helper that writes stage history at chosen dates (the figures are hand-computed from it)."""

from datetime import UTC, datetime

import pytest

from pipeline import services as pipeline_services
from pipeline.models import StageDefinition
from playbook.models import Role
from tests.factories import RecordFactory, StageTransitionFactory


@pytest.fixture
def pipeline_ws(workspace):
    pipeline_services.pipeline_install_defaults(workspace=workspace)
    return workspace


@pytest.fixture
def stages(pipeline_ws):
    return {s.key: s for s in StageDefinition.objects.filter(workspace=pipeline_ws)}


@pytest.fixture
def people(pipeline_ws, member_factory):
    """people["marketing"], ["sdr"], ["ae"], ["csm"], ["leader"]: memberships."""
    return {
        role: member_factory(pipeline_ws, role)
        for role in (Role.MARKETING, Role.SDR, Role.AE, Role.CSM, Role.LEADER)
    }


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def history(pipeline_ws, stages):
    """history(record_or_None, [(kind, from_key, to_key, "YYYY-MM-DD", from_user, to_user)...])
    appends the transitions to a (new) record and returns it."""

    def write(record, moves):
        record = record or RecordFactory(workspace=pipeline_ws)
        for kind, from_key, to_key, day, from_user, to_user in moves:
            StageTransitionFactory(
                record=record,
                kind=kind,
                from_stage=stages[from_key] if from_key else None,
                to_stage=stages[to_key],
                at=at(day),
                from_owner=from_user,
                to_owner=to_user,
            )
        return record

    return write
