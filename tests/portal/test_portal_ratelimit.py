"""The failure limiter behind link brute-force protection, and finding the real client address."""

from __future__ import annotations

import ipaddress

from portal.ratelimit import FailureLimiter, attempt_id, client_bucket, real_client


def test_failure_limiter_limits_after_max_distinct_failures_and_forgets_after_the_window():
    now = [1000.0]
    limiter = FailureLimiter(max_failures=3, window_seconds=60, clock=lambda: now[0])
    verdicts = [limiter.record_failure(["address 10.0.0.1"], f"guess-{n}") for n in range(4)]
    assert [v.failures for v in verdicts] == [1, 2, 3, 4]
    assert [v.limited for v in verdicts] == [False, False, False, True]
    assert verdicts[3].newly_limited == ("address 10.0.0.1",)
    assert limiter.record_failure(["address 10.0.0.1"], "guess-5").newly_limited == ()  # once
    assert limiter.failures("address 10.0.0.2") == 0
    now[0] += 61
    assert limiter.failures("address 10.0.0.1") == 0


def test_failure_limiter_counts_the_same_attempt_once_and_every_key_of_it():
    limiter = FailureLimiter(max_failures=3, window_seconds=60)
    for _ in range(10):
        verdict = limiter.record_failure(["address 10.0.0.1", "director dana@example.com"], "same-link")
    assert (verdict.failures, verdict.limited) == (1, False)
    verdict = limiter.record_failure(["address 10.0.0.9", "director dana@example.com"], "other")
    assert verdict.failures == 2  # the person's count, the larger one
    assert limiter.failures("address 10.0.0.9") == 1


def test_failure_limiter_memory_per_key_stays_bounded_past_the_limit():
    limiter = FailureLimiter(max_failures=3, window_seconds=60)
    for n in range(1000):
        limiter.record_failure(["address 10.0.0.1"], attempt_id(f"guess-{n}"))
    assert limiter.failures("address 10.0.0.1") == 4


def test_failure_limiter_counts_an_ipv6_client_by_its_64_network():
    limiter = FailureLimiter(max_failures=3, window_seconds=60)
    for n in range(4):  # one attacker rotating addresses inside the /64 its provider gave it
        verdict = limiter.record_failure([client_bucket(f"2001:db8:1:2::{n + 1:x}")], f"g{n}")
    assert verdict.limited
    assert limiter.failures(client_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff")) == 4
    assert limiter.failures(client_bucket("2001:db8:1:3::1")) == 0


def test_client_bucket_keeps_ipv4_and_unwraps_ipv4_mapped_addresses():
    assert client_bucket("203.0.113.7") == "203.0.113.7"
    assert client_bucket("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_bucket("testclient") == "testclient"


def test_real_client_believes_forwarded_for_only_from_trusted_proxies():
    proxies = (ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("2001:db8::/32"))
    assert real_client("203.0.113.7", ["192.0.2.1"], proxies) == "203.0.113.7"
    assert real_client("10.0.0.5", ["192.0.2.1"], proxies) == "192.0.2.1"
    assert real_client("10.0.0.5", ["192.0.2.1, 10.0.0.6"], proxies) == "192.0.2.1"  # two proxies
    assert real_client("10.0.0.5", ["forged, 192.0.2.1"], proxies) == "192.0.2.1"
    assert real_client("10.0.0.5", ["192.0.2.9", "192.0.2.1"], proxies) == "192.0.2.1"  # two header lines
    assert real_client("10.0.0.5", ["not-an-address"], proxies) == "10.0.0.5"
    assert real_client("10.0.0.5", [], proxies) == "10.0.0.5"
    assert real_client("2001:db8::1", ["2001:db8::2, 198.51.100.4"], proxies) == "198.51.100.4"
    assert real_client("10.0.0.5", ["192.0.2.1"], ()) == "10.0.0.5"
