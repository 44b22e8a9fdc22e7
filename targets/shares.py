"""Splitting a total into parts that add up to it exactly (months of a year, people of a
team): money in cents, counted records in whole units."""

from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
ONE = Decimal("1")


def apportion(total: Decimal, weights: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split `total` in proportion to `weights`, in steps of `quantum`, so that the parts add
    up to `total` exactly (largest remainder first, earlier parts first on ties)."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValidationError("The shares add up to nothing.")
    raw = [total * w / weight_sum for w in weights]
    parts = [(r / quantum).to_integral_value(ROUND_DOWN) * quantum for r in raw]
    left = int(((total - sum(parts, Decimal(0))) / quantum).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += quantum
    return parts
