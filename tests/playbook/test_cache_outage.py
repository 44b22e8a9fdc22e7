"""The cache forgives a Redis outage: reads miss, writes are skipped, nothing raises."""

from playbook.cache import ForgivingRedisCache


def test_an_unreachable_redis_reads_as_a_miss_quickly():
    cache = ForgivingRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.25}}
    )
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1, 60) is False
    assert cache.count_in_window("k", 60) is None  # the rate limits let the post through
    assert cache.set("k", 1, 60) is None
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
