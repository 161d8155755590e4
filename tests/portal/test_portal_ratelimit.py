"""The failure limiter behind link brute-force protection."""

from __future__ import annotations

from portal.ratelimit import FailureLimiter, client_bucket


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


def test_failure_limiter_counts_an_ipv6_client_by_its_64_network():
    limiter = FailureLimiter(max_failures=3, window_seconds=60)
    for n in range(3):  # one attacker rotating addresses inside the /64 its provider gave it
        limiter.record_failure(client_bucket(f"2001:db8:1:2::{n + 1:x}"))
    assert limiter.is_blocked(client_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    assert not limiter.is_blocked(client_bucket("2001:db8:1:3::1"))


def test_client_bucket_keeps_ipv4_and_unwraps_ipv4_mapped_addresses():
    assert client_bucket("203.0.113.7") == "203.0.113.7"
    assert client_bucket("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_bucket("testclient") == "testclient"
