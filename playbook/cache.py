"""A Redis cache that a Redis outage does not turn into errors.

Django's RedisCache raises when Redis is unreachable, and every page that reads a cached figure
would answer 500. Here a connection or timeout error reads as a miss (the page computes the
figure) and a write as not done, logged once per call; the connect timeout in settings bounds
what a request waits for. Only the cache forgives: the broker's outage is the outbox's job
(jobs.models).
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


def _forgiving(name: str, fallback):
    method = getattr(RedisCache, name)

    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OUTAGE as exc:
            log.warning("cache %s skipped, Redis unavailable: %s", name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return call


def _default(key, default=None, *args, **kwargs):
    return default


class ForgivingRedisCache(RedisCache):
    get = _forgiving("get", _default)
    get_many = _forgiving("get_many", lambda keys, *a, **k: {})
    has_key = _forgiving("has_key", False)
    set = _forgiving("set", None)
    set_many = _forgiving("set_many", lambda data, *a, **k: list(data))
    add = _forgiving("add", False)
    touch = _forgiving("touch", False)
    delete = _forgiving("delete", False)
    delete_many = _forgiving("delete_many", None)
    incr = _forgiving("incr", None)
    clear = _forgiving("clear", False)

    def count_in_window(self, key: str, timeout: int) -> int | None:
        """Add one to the counter `key` (created at 0, expiring after `timeout` seconds) and
        return it, in one round trip (a pipeline of SET NX and INCR) on one client: Django's
        add() then incr() take three (incr asks EXISTS first) and build a client each. None
        when Redis is unreachable (playbook.ratelimit then lets the request through)."""
        key = self.make_and_validate_key(key)
        try:
            pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
        except OUTAGE as exc:
            log.warning("cache count skipped, Redis unavailable: %s", exc)
            return None
