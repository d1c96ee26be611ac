"""The shared cache fails open: with Redis unreachable, reads miss and rate limits let
requests through, with a warning in the log, instead of raising."""

import logging

import pytest

from mct_portal.cache import FailOpenRedisCache
from tests.live_process import closed_port_url


@pytest.fixture
def unreachable_cache():
    FailOpenRedisCache._last_warning = 0.0
    return FailOpenRedisCache(
        closed_port_url("redis", "/0"),
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )


def test_an_unreachable_redis_reads_as_empty_and_lets_rate_limits_through(
    unreachable_cache, caplog
):
    cache = unreachable_cache
    with caplog.at_level(logging.WARNING, logger="mct_portal.cache"):
        assert cache.get("history", []) == []
        assert cache.add("lock", True, timeout=5) is True  # allauth's rate-limit lock
        cache.set("history", [1, 2])
        assert cache.incr("hits") == 1
        assert cache.get_many(["a", "b"]) == {}
        assert cache.delete("lock") is False
        assert cache.has_key("lock") is False
    warnings = [r for r in caplog.records if "rate limits fail open" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once a call


def test_a_reachable_redis_is_used_as_usual(settings):
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL")
    cache = FailOpenRedisCache(url, {"KEY_PREFIX": "test-fail-open"})
    cache.set("answer", 42, timeout=30)
    assert cache.get("answer") == 42
    assert cache.add("answer", 1) is False
    cache.delete("answer")
