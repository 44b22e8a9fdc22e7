"""The empty states panels share: what to do next when a panel has nothing to show, with the
link that does it (or, for a member who may not, who can)."""

from django.urls import reverse

from dashboards import links
from dashboards.figures import Empty
from targets.permissions import can_set


def set_targets(workspace, membership, what: str) -> Empty:
    url = reverse("targets:page", args=[workspace.slug])
    if can_set(membership):
        return Empty(f"{what} Set targets to measure achievement and pace.", "Set targets", url)
    return Empty(f"{what} A leader or an admin sets them.", "Open the targets page", url)


def import_billing(workspace, membership, what: str) -> Empty:
    if membership.is_admin:
        return Empty(
            f"{what} Import your billing history (or record customers' subscriptions) and the "
            "monthly metrics are computed from it.",
            "Import billing history",
            reverse("customers:import", args=[workspace.slug]),
        )
    return Empty(
        f"{what} An admin imports the billing history; until then, subscriptions are recorded on "
        "each customer's page.",
        "Open the customers list",
        links.customers(workspace),
    )


def add_records(workspace, what: str) -> Empty:
    return Empty(
        f"{what} Add records (or import them) and move them through the stages.",
        "Add a record",
        reverse("records:create", args=[workspace.slug]),
    )


def not_computed(workspace, period, what: str) -> Empty:
    return Empty(
        f"{what} The monthly metrics for {period.label} are not computed yet: they are every "
        "night, or now from the metrics page.",
        "Open the metrics page",
        links.metrics(workspace, period.first, period.last),
    )
