"""Limit failed link attempts per client, so tokens cannot be guessed by brute force."""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable
from threading import Lock

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
MAX_TRACKED_CLIENTS = 100_000


def client_bucket(host: str) -> str:
    """What the limiter counts by: an IPv4 address, or the /64 network of an IPv6 one.

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


class FailureLimiter:
    """Counts failures per client in a sliding window; a client over the limit is refused.

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
        self._failures: dict[str, deque[float]] = {}
        self._lock = Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        window = self._failures.get(client)
        if window is None:
            return deque()
        while window and now - window[0] > self.window_seconds:
            window.popleft()
        if not window:
            del self._failures[client]
        return window

    def is_blocked(self, client: str) -> bool:
        """True when this client already failed too often within the window."""
        with self._lock:
            return len(self._recent(client, self._clock())) >= self.max_failures

    def record_failure(self, client: str) -> int:
        """Count one failure; returns how many this client has in the window."""
        with self._lock:
            now = self._clock()
            if len(self._failures) >= MAX_TRACKED_CLIENTS and client not in self._failures:
                self._failures.pop(next(iter(self._failures)))  # bound memory: forget the oldest client
            window = self._recent(client, now)
            window.append(now)
            self._failures[client] = window
            return len(window)
