"""Fixed-window counters in the cache (Redis in production): how many times something happened
in the current window, for limits on public endpoints (the web forms, ADR 0017).

With Redis down the ForgivingRedisCache (playbook.cache) answers every call as "not done" and
`hit` lets the request through: the limit is then off rather than the endpoint. The locmem
cache (no REDIS_URL) counts per process.
"""

import time

from django.core.cache import cache


def hit(name: str, *, limit: int, window: int) -> bool:
    """Count one hit of `name` in the current `window` (seconds); False once more than `limit`
    hits were counted in it. One Redis round trip (ForgivingRedisCache.count_in_window); other
    caches, add then incr."""
    key = f"rate:{name}:{int(time.time() // window)}"
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        count = counter(key, window + 1)
        return count is None or count <= limit
    cache.add(key, 0, window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 1)
        count = 1
    if count is None:  # the cache is unreachable: not counted, not refused
        return True
    return count <= limit
