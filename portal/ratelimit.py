"""Count failed link attempts by what an attacker must guess, so tokens cannot be brute-forced and
one office's bad clicks lock nobody out.

A link's signature is what an attacker must guess, for one person's payload: failures are counted
per person a token claims and per real client address (IPv6 by /64), each distinct token once
(clicking the same broken link again is not another guess). Being over the limit never refuses a
valid, unexpired, unrevoked link: it only turns further bad attempts from that address or at that
person into "too many attempts" and keeps them out of the audit log.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from threading import Lock

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
MAX_TRACKED_KEYS = 100_000

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_bucket(host: str) -> str:
    """What the limiter counts an address by: an IPv4 address, or the /64 network of an IPv6 one.

    One IPv6 subscriber is usually given a whole /64, so counting single IPv6 addresses would
    let one attacker make 2**64 fresh clients.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IpAddress | None, proxies: Iterable[IpNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def real_client(peer: str, forwarded_for: Iterable[str], proxies: tuple[IpNetwork, ...]) -> str:
    """The client's address: the TCP peer, unless the peer is a trusted proxy; then the right-most
    `X-Forwarded-For` hop that is not itself a trusted proxy (each proxy appends the address it
    saw, so hops left of that were written by the client and prove nothing)."""
    if not _trusted(_address(peer), proxies):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage where an address should be: keep the last proxy's word
        client = str(address)
        if not _trusted(address, proxies):
            break
    return client


def attempt_id(token: str) -> str:
    """A short digest of a failed token: the same token again is the same attempt."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class Verdict:
    """What one failure makes of its keys."""

    failures: int
    """The most failures any key has in the window, this one included."""
    limited: bool
    """Over the limit: answer "too many attempts" and stop auditing each one."""
    newly_limited: tuple[str, ...]
    """Keys this failure took over the limit (audit those once)."""


class FailureLimiter:
    """Distinct failed attempts per key in a sliding window.

    Kept in process memory: one portal process per store (uvicorn with one worker), which is how
    `ledgerloop portal` runs it. Several workers would each keep their own count.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._attempts: dict[str, OrderedDict[str, float]] = {}
        self._lock = Lock()

    def _recent(self, key: str, now: float) -> OrderedDict[str, float]:
        attempts = self._attempts.get(key)
        if attempts is None:
            return OrderedDict()
        while attempts and now - next(iter(attempts.values())) > self.window_seconds:
            attempts.popitem(last=False)
        if not attempts:
            del self._attempts[key]
        return attempts

    def failures(self, key: str) -> int:
        """Distinct failures of this key within the window."""
        with self._lock:
            return len(self._recent(key, self._clock()))

    def record_failure(self, keys: Iterable[str], attempt: str) -> Verdict:
        """Count one failed attempt (a token's `attempt_id`) against every key."""
        most, newly = 0, []
        with self._lock:
            now = self._clock()
            for key in keys:
                attempts = self._recent(key, now)
                before = len(attempts)
                # Past the limit more entries change nothing, so memory per key stays bounded.
                if attempt not in attempts and before <= self.max_failures:
                    if len(self._attempts) >= MAX_TRACKED_KEYS and key not in self._attempts:
                        self._attempts.pop(next(iter(self._attempts)))  # forget the oldest key
                    attempts[attempt] = now
                    self._attempts[key] = attempts
                count = len(attempts)
                if before <= self.max_failures < count:
                    newly.append(key)
                most = max(most, count)
        return Verdict(most, most > self.max_failures, tuple(newly))
