"""The failure limiter behind link brute-force protection."""

from __future__ import annotations

from portal.ratelimit import FailureLimiter


def test_failure_limiter_blocks_after_max_failures_and_forgets_after_the_window():
    now = [1000.0]
    limiter = FailureLimiter(max_failures=3, window_seconds=60, clock=lambda: now[0])
    for expected in (1, 2, 3):
        assert not limiter.is_blocked("10.0.0.1")
        assert limiter.record_failure("10.0.0.1") == expected
    assert limiter.is_blocked("10.0.0.1")
    assert not limiter.is_blocked("10.0.0.2")
    now[0] += 61
    assert not limiter.is_blocked("10.0.0.1")
