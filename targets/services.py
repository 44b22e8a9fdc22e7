"""Every write of the targets app: targets, their spreading over months and people, seasonality
curves, the planner's "Distribute", and the metric snapshots. Keyword-only and atomic; bad input
raises ValidationError with a message a person can act on, and nothing is saved."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from playbook.models import Membership, Team
from records.models import Source
from targets import periods, rollups
from targets.models import (
    MONEY_METRICS,
    SOURCE_METRICS,
    Metric,
    Scope,
    SeasonalityCurve,
    Target,
    scope_key,
)
from targets.planner import Plan
from targets.shares import CENT, ONE, apportion

HUNDRED = Decimal("100")
MAX_VALUE = Decimal("999999999999.99")


def quantum_of(metric: str) -> Decimal:
    """Money targets are in cents, counted ones (leads, wins...) in whole units."""
    return CENT if metric in MONEY_METRICS else ONE


def _check_value(metric: str, value) -> Decimal:
    try:
        value = Decimal(value)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise ValidationError({"value": "Enter a number."}) from exc
    if not value.is_finite() or value < 0:
        raise ValidationError({"value": "A target cannot be negative."})
    if value > MAX_VALUE:
        raise ValidationError({"value": "That target is too large."})
    if metric not in MONEY_METRICS and value != value.to_integral_value():
        raise ValidationError({"value": "This metric counts whole records; enter a whole number."})
    return value.quantize(quantum_of(metric))


def _check_period(year, month) -> tuple[int, int]:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": "Choose a year between 2000 and 2100."})
    if not isinstance(month, int) or not 0 <= month <= 12:
        raise ValidationError({"month": "Choose a month of the year (1-12), or the whole year."})
    return year, month


def _member(workspace, user_id) -> Membership:
    member = (
        Membership.objects.of(workspace)
        .filter(user_id=user_id, is_active=True)
        .select_related("user")
        .first()
        if str(user_id or "").isdigit()
        else None
    )
    if member is None:
        raise ValidationError({"user": "Choose an active member of this workspace."})
    return member


def _scope(workspace, scope: str, team: str, user_id, source: str, metric: str):
    """(scope, team, user id, source) of a valid scope, else a ValidationError naming it."""
    if scope == Scope.WORKSPACE:
        return scope, "", None, ""
    if scope == Scope.TEAM:
        if team not in Team.values:
            raise ValidationError({"team": "Choose a team."})
        return scope, team, None, ""
    if scope == Scope.PERSON:
        return scope, "", _member(workspace, user_id).user_id, ""
    if scope == Scope.SOURCE:
        if source not in Source.values:
            raise ValidationError({"source": "Choose a lead source."})
        if metric not in SOURCE_METRICS:
            raise ValidationError(
                {"scope": "Only leads, MQLs, SQLs, opportunities and wins have a lead source."}
            )
        return scope, "", None, source
    raise ValidationError({"scope": "Choose the workspace, a team, a person or a lead source."})


def _upsert(
    workspace, *, actor, metric, year, month, scope, team, user_id, value, source=""
) -> Target:
    key = scope_key(scope, team, user_id, source)
    target, _ = Target.objects.update_or_create(
        workspace=workspace,
        metric=metric,
        year=year,
        month=month,
        scope_key=key,
        defaults={
            "scope": scope,
            "team": team,
            "user_id": user_id,
            "source": source,
            "value": value,
            "set_by": actor,
        },
    )
    return target


@transaction.atomic
def target_set(
    *,
    workspace,
    actor,
    metric: str,
    year: int,
    month: int,
    scope: str,
    value,
    team: str = "",
    user=None,
    source: str = "",
) -> Target:
    """Create or replace the target for (metric, period, scope)."""
    if metric not in Metric.values:
        raise ValidationError({"metric": "Choose a metric from the list."})
    value = _check_value(metric, value)
    year, month = _check_period(year, month)
    scope, team, user_id, source = _scope(
        workspace, scope, team, getattr(user, "pk", user), source, metric
    )
    return _upsert(
        workspace,
        actor=actor,
        metric=metric,
        year=year,
        month=month,
        scope=scope,
        team=team,
        user_id=user_id,
        value=value,
        source=source,
    )


@transaction.atomic
def target_delete(*, workspace, target: Target) -> None:
    Target.objects.of(workspace).filter(pk=target.pk).delete()


def check_curve(weights) -> list[Decimal]:
    """Twelve non-negative percentages that add up to exactly 100."""
    try:
        shares = [Decimal(str(w)).quantize(CENT) for w in weights]
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise ValidationError({"weights": "Every month needs a percentage."}) from exc
    if len(shares) != 12:
        raise ValidationError({"weights": "A curve has one percentage per month: twelve."})
    if any(not s.is_finite() or s < 0 for s in shares):
        raise ValidationError({"weights": "A month's share cannot be negative."})
    total = sum(shares, Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            {"weights": f"The months add up to {total} %; a curve must add up to 100 %."}
        )
    return shares


@transaction.atomic
def curve_save(*, workspace, name: str, weights, curve: SeasonalityCurve | None = None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the curve (e.g. “Quarter-end push”)."})
    shares = [str(s) for s in check_curve(weights)]
    clash = SeasonalityCurve.objects.of(workspace).filter(name__iexact=name)
    if curve is not None:
        clash = clash.exclude(pk=curve.pk)
    if clash.exists():
        raise ValidationError({"name": "Another curve has this name."})
    if curve is None:
        return SeasonalityCurve.objects.create(workspace=workspace, name=name, weights=shares)
    curve.name, curve.weights = name, shares
    curve.save(update_fields=["name", "weights", "updated_at"])
    return curve


EVEN = [Decimal(1)] * 12


@transaction.atomic
def target_spread_months(*, workspace, actor, target: Target, curve=None) -> list[Target]:
    """Replace an annual target's monthly targets by its value spread over the twelve months:
    evenly, or by a seasonality curve's shares."""
    if target.month != 0:
        raise ValidationError("Only an annual target can be spread over months.")
    weights = check_curve(curve.weights) if curve is not None else EVEN
    parts = apportion(target.value, weights, quantum_of(target.metric))
    return [
        _upsert(
            workspace,
            actor=actor,
            metric=target.metric,
            year=target.year,
            month=i + 1,
            scope=target.scope,
            team=target.team,
            user_id=target.user_id,
            source=target.source,
            value=part,
        )
        for i, part in enumerate(parts)
    ]


def team_members(workspace, team: str) -> list[Membership]:
    return list(
        Membership.objects.of(workspace)
        .filter(team=team, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@transaction.atomic
def target_spread_people(
    *, workspace, actor, target: Target, shares: dict[int, Decimal] | None = None
) -> list[Target]:
    """Give each active member of a team target's team a share of it (evenly, or by the
    percentages in `shares`, which must add up to 100), for the same metric and period."""
    if target.scope != Scope.TEAM:
        raise ValidationError("Only a team's target can be spread over its people.")
    members = team_members(workspace, target.team)
    if not members:
        raise ValidationError(f"The {target.get_team_display()} team has no active members.")
    if shares is None:
        weights = [Decimal(1)] * len(members)
    else:
        unknown = set(shares) - {m.user_id for m in members}
        if unknown:
            raise ValidationError("Shares can only go to active members of the team.")
        weights = [Decimal(shares.get(m.user_id, 0)) for m in members]
        if any(w < 0 for w in weights):
            raise ValidationError("A person's share cannot be negative.")
        if sum(weights, Decimal(0)) != HUNDRED:
            raise ValidationError("The people's shares must add up to 100 %.")
    parts = apportion(target.value, weights, quantum_of(target.metric))
    return [
        _upsert(
            workspace,
            actor=actor,
            metric=target.metric,
            year=target.year,
            month=target.month,
            scope=Scope.PERSON,
            team="",
            user_id=member.user_id,
            value=part,
        )
        for member, part in zip(members, parts, strict=True)
    ]


# Which team's monthly targets each planned metric becomes (seed 004: marketing owns leads and
# the leads sales accepts, inside sales the SQLs, the AEs opportunities, wins and new ARR).
PLAN_TEAMS = {
    Metric.LEADS: Team.MARKETING,
    Metric.MQLS: Team.MARKETING,
    Metric.SALES_ACCEPTED_LEADS: Team.MARKETING,
    Metric.SQLS: Team.INSIDE_SALES,
    Metric.OPPORTUNITIES: Team.SALES,
    Metric.WINS: Team.SALES,
    Metric.NEW_ARR: Team.SALES,
}


@transaction.atomic
def plan_distribute(*, workspace, actor, plan: Plan) -> int:
    """Save a plan as monthly targets for the workspace, for each team that owns a planned
    metric, and for each active member of that team (an even share). Returns targets written."""
    written = 0
    for metric, months in plan.monthly_targets().items():
        team = PLAN_TEAMS[metric]
        members = team_members(workspace, team)
        for month_index, value in months.items():
            year, month = month_index // 12, month_index % 12 + 1
            common = {"actor": actor, "metric": metric, "year": year, "month": month}
            _upsert(workspace, **common, scope=Scope.WORKSPACE, team="", user_id=None, value=value)
            _upsert(workspace, **common, scope=Scope.TEAM, team=team, user_id=None, value=value)
            written += 2
            if members:
                parts = apportion(value, [Decimal(1)] * len(members), quantum_of(metric))
                for member, part in zip(members, parts, strict=True):
                    _upsert(
                        workspace,
                        **common,
                        scope=Scope.PERSON,
                        team="",
                        user_id=member.user_id,
                        value=part,
                    )
                    written += 1
    return written


@transaction.atomic
def metrics_rebuild(*, workspace, first: int | None = None, last: int | None = None) -> int:
    """Recompute the snapshots of months first..last (month indexes; by default from the
    workspace's first stage-history or ledger row up to this month). Idempotent."""
    last = periods.today_index(workspace) if last is None else last
    if first is None:
        first = rollups.first_activity_month(workspace)
        if first is None:
            return 0
    return rollups.rebuild(workspace, first=first, last=last)
