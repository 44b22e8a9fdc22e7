"""The demo workspace: one user per role. Other apps add their data through their own
`demo.seed(...)`, called in order by the seed_demo command."""

from dataclasses import dataclass, field
from random import Random

from django.contrib.auth.hashers import make_password

from playbook import services
from playbook.models import Membership, Role, User, Workspace

DEMO_PASSWORD = "playbook-demo-2026"
DEMO_DOMAIN = "playbook.test"


@dataclass
class DemoContext:
    """What each app's seeder gets: the workspace, its members by role, a seeded RNG."""

    workspace: Workspace
    members: dict[str, list[User]]
    records: int
    rng: Random = field(default_factory=lambda: Random(2026))

    @property
    def users(self) -> list[User]:
        return [u for users in self.members.values() for u in users]


def demo_email(role: str, n: int = 1, slug: str = "demo") -> str:
    suffix = "" if n == 1 else str(n)
    return f"{role}{suffix}@{slug}.{DEMO_DOMAIN}"


# Enough people per team for round-robin handoffs to mean something.
PEOPLE_PER_ROLE = {
    Role.ADMIN: 1,
    Role.LEADER: 1,
    Role.MARKETING: 2,
    Role.SDR: 3,
    Role.AE: 3,
    Role.SE: 1,
    Role.CSM: 2,
    Role.RENEWALS: 1,
}


def seed_workspace(*, slug: str, name: str, records: int, seed: int = 2026) -> DemoContext:
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user is the slow part
    users_by_role: dict[str, list[User]] = {}
    admin = User.objects.create(
        email=demo_email(Role.ADMIN, slug=slug), full_name="Ada Admin", password=password
    )
    workspace = services.workspace_create(name=name, slug=slug, owner=admin)
    users_by_role[Role.ADMIN] = [admin]
    for role, count in PEOPLE_PER_ROLE.items():
        if role == Role.ADMIN:
            continue
        users_by_role[role] = []
        for n in range(1, count + 1):
            label = Role(role).label
            user = User.objects.create(
                email=demo_email(role, n, slug=slug),
                full_name=f"{label} {n}" if count > 1 else label,
                password=password,
            )
            Membership.objects.create(workspace=workspace, user=user, role=role)
            users_by_role[role].append(user)
    return DemoContext(
        workspace=workspace, members=users_by_role, records=records, rng=Random(seed)
    )
