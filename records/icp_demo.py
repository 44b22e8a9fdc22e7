"""Demo data: score the demo records with the workspace's ICP profile (seed_demo runs this after
records.demo, so the pipeline's demo journeys follow the real scores, and again at the end, after
the pipeline added its demo activities)."""

from playbook.demo import DemoContext
from records.services.icp import icp_profile_install_default, icp_recompute_workspace
from records.services.records import records_last_activity_refresh


def seed(ctx: DemoContext) -> None:
    icp_profile_install_default(workspace=ctx.workspace)
    records_last_activity_refresh(workspace_id=ctx.workspace.pk)
    icp_recompute_workspace(workspace_id=ctx.workspace.pk)
