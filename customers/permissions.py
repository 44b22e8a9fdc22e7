"""Who may change subscriptions, survey responses and renewals: the one place customers asks.

Customer Success, Renewals, leaders and admins change a customer's subscriptions (and log its
surveys and engagements); every other member reads them (issue 8: "others may read").
"""

from playbook.access import has_role, require_roles
from playbook.models import Role

CHANGERS = (Role.ADMIN, Role.LEADER, Role.CSM, Role.RENEWALS)


def can_change_customers(membership) -> bool:
    return has_role(membership, *CHANGERS)


CHANGE_REFUSAL = (
    "Only customer success managers, renewal reps, leaders and admins change subscriptions."
)

# View decorator (403 for other roles; non-members already got 404 from the middleware).
customers_change_access = require_roles(*CHANGERS)
