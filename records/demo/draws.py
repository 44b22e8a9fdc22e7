"""Cheap random draws for millions of demo rows, and the one the database repeats in SQL."""

from bisect import bisect
from itertools import accumulate


class Weighted:
    """A weighted choice: one uniform number and a bisection (random.choices rebuilds its
    arguments on every call, and this runs millions of times)."""

    def __init__(self, pairs):
        self.values = [p[0] for p in pairs]
        self.cumulative = list(accumulate(p[1] for p in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


def activity_count(record_id: int) -> int:
    """How many activities a demo record has: 6 to 14, spread evenly over consecutive ids by a
    multiplicative hash, so the record's generator and the SQL that writes the activities
    (ACTIVITY_COUNT_SQL) agree without passing it along."""
    return 6 + (record_id * 2654435761 % 4294967296) % 9


# The same over `r.id`, with the percent signs doubled for a parametrised statement.
ACTIVITY_COUNT_SQL = "(6 + (r.id * 2654435761 %% 4294967296) %% 9)"
