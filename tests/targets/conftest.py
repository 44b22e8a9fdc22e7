"""Fixtures for the targets tests: a workspace with the default stages, one person per team,
and a helper that writes stage history at chosen dates (the figures are hand-computed from it)."""

import re
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

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


DOC = Path(__file__).resolve().parents[2] / "docs" / "METRICS.md"


def documented_block(name: str) -> str:
    """The fenced CSV block after `<!-- name -->` in docs/METRICS.md."""
    match = re.search(rf"<!-- {name} -->\n```csv\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"docs/METRICS.md lost its {name} block"
    return match.group(1)


@pytest.fixture
def example_ledger(pipeline_ws, people, history, tmp_path):
    """The worked example of docs/METRICS.md: its two customer records (Acme won by the AE on
    2025-01-10; Beta a customer from before the CRM, no stage history), both owned by the CSM,
    and its billing file imported with the real `import_subscriptions` command."""
    ws = pipeline_ws
    ae, csm = people["ae"].user, people["csm"].user
    RecordFactory(workspace=ws, name="Beta GmbH", domain="beta.example", owner=csm)
    history(
        RecordFactory(workspace=ws, name="Acme Ltd", domain="", owner=csm),
        [("forward", "opportunity", "won", "2025-01-10", ae, csm)],
    )
    billing = tmp_path / "billing.csv"
    billing.write_text(documented_block("worked-example-billing"))
    call_command("import_subscriptions", "--workspace", ws.slug, str(billing), stdout=StringIO())
    return ws
