"""Customers tests reuse the pipeline's fixtures: default stages, one member per role, records
placed in a stage and qualified for the next."""

from datetime import date

import pytest

from customers import services
from tests.pipeline import conftest as pipeline_fixtures

# The pipeline's fixtures, shared: default stages, one member per role, placed records.
pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

TODAY = date(2026, 6, 30)


@pytest.fixture
def won_record(make_record, stages, team):
    """won_record(mrr="100", started_on=...): a record won through the service, owned by a CSM."""

    def make(mrr="100", started_on=date(2026, 1, 1), **kwargs):
        record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
        services.record_win(
            workspace=record.workspace,
            record=record,
            to_stage=stages["won"],
            actor=team["ae"].user,
            membership=team["ae"],
            version=record.version,
            plan="Pro",
            amount=mrr,
            per="month",
            started_on=started_on,
            term_months=kwargs.pop("term_months", 12),
            auto_renew=kwargs.pop("auto_renew", False),
            handoff={"goals": "Faster onboarding"},
            today=TODAY,
            **kwargs,
        )
        record.refresh_from_db()
        return record

    return make
