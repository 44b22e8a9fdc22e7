"""The homes and their panels: which member may open which home, and the function behind each
panel. The one place that says who sees what on the dashboards.

A panel is a function `fn(*, workspace, membership, period) -> dict` registered with
`@panel(home_key, panel_key, title=...)`; its dict is the context of the template
`dashboards/panels/<home>/<panel>.html`. Panels register in the order their module defines them,
which is the order the home shows them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from playbook.models import Role


@dataclass
class Panel:
    home: str
    key: str
    title: str
    fn: Callable[..., dict]
    template: str
    # "wide" panels span the whole row of the grid (charts with many labels).
    wide: bool = False


@dataclass
class Home:
    key: str
    title: str
    # The roles whose own home this is (they land on it from /w/<slug>/). Admins and leaders may
    # open every home; a home with `everyone` is open to every member (the company summary).
    roles: tuple[str, ...]
    description: str = ""
    period_picker: bool = False
    everyone: bool = False
    panels: dict[str, Panel] = field(default_factory=dict)

    def visible_to(self, membership) -> bool:
        return self.everyone or membership.role in OVERSEERS or membership.role in self.roles


# Admins and leaders see every home ("leaders and admins see all").
OVERSEERS = (Role.ADMIN, Role.LEADER)

HOMES: dict[str, Home] = {
    home.key: home
    for home in (
        Home(
            "leader",
            "Leader",
            (Role.ADMIN, Role.LEADER),
            "Targets against achievements, the ARR bridge, trends, funnel and company health.",
            period_picker=True,
        ),
        Home(
            "company",
            "Company summary",
            (),
            "How the whole company stands against its targets, for every member.",
            everyone=True,
        ),
        Home(
            "marketing",
            "Marketing",
            (Role.MARKETING,),
            "Leads and MQLs by source against target, and what sales accepted.",
            period_picker=True,
        ),
        Home(
            "sdr",
            "SDR",
            (Role.SDR,),
            "The MQL queue by ICP score, SLA breaches, today's tasks, MQL to SQL.",
        ),
        # Sales engineers work the AE's deals, so they land on the AE home.
        Home(
            "ae",
            "Account executive",
            (Role.AE, Role.SE),
            "Pipeline by stage, the weighted forecast against quota, deals closing.",
        ),
        Home("csm", "Customer success", (Role.CSM,), "Customers by health, NPS/CSAT, engagements."),
        Home("renewals", "Renewals", (Role.RENEWALS,), "Renewals due, at-risk ARR, upsells."),
    )
}


def panel(home_key: str, panel_key: str, *, title: str, template: str = "", wide: bool = False):
    """Registers `fn` as panel `panel_key` of home `home_key`. Stack it to show one function on
    two homes (the company summary reuses leader panels); `template` overrides the default
    `dashboards/panels/<home>/<panel>.html`."""

    def register(fn):
        home = HOMES[home_key]
        if panel_key in home.panels:
            raise ValueError(f"Panel {home_key}/{panel_key} is registered twice.")
        home.panels[panel_key] = Panel(
            home=home_key,
            key=panel_key,
            title=title,
            fn=fn,
            template=template or f"dashboards/panels/{home_key}/{panel_key}.html",
            wide=wide,
        )
        return fn

    return register


def own_home(membership) -> Home:
    """The home a member lands on: the one listing their role (admins and leaders: leader)."""
    return next(h for h in HOMES.values() if membership.role in h.roles)


def homes_for(membership) -> list[Home]:
    """The homes the member may open, their own first."""
    own = own_home(membership)
    return [own] + [h for h in HOMES.values() if h is not own and h.visible_to(membership)]


def home_for(membership, key: str) -> Home | None:
    """The home `key` if the member may open it; None (a 404) if it is unknown or not theirs,
    alike, so a member cannot tell one from the other."""
    home = HOMES.get(key)
    return home if home is not None and home.visible_to(membership) else None
