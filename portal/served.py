"""The address the portal is actually served at, so links in drafts open it.

`ledgerloop portal --port P` (and `ledgerloop serve --portal-port P`, which starts it) records the
address it listens on in `$LEDGERLOOP_HOME/portal.url`; whoever mints a link later (a run drafting
director emails, `ledgerloop link`) reads it when `LEDGERLOOP_PORTAL_URL` is not set. The variable
still wins: behind a proxy or a public name, only a person knows the address others can reach.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

SERVED_URL_FILE = "portal.url"
DEFAULT_URL = "http://127.0.0.1:8000"


def served_url(host: str, port: int) -> str:
    """`http://host:port` as a browser reaches it: a wildcard bind (`0.0.0.0`, `::`) is this
    machine's name, an IPv6 address is bracketed."""
    name = host.strip()
    if name in ("", "0.0.0.0", "::"):
        name = socket.getfqdn()
    try:
        if ipaddress.ip_address(name).version == 6:
            name = f"[{name}]"
    except ValueError:
        pass  # a host name
    return f"http://{name}:{port}"


def record_served_url(home: Path, url: str) -> Path:
    """Write the served address (owner-only, replaced atomically)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / SERVED_URL_FILE
    temporary = path.with_name(f".{SERVED_URL_FILE}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(url + "\n")
    os.replace(temporary, path)
    return path


def portal_base_url(home: Path, environ_url: str | None) -> str:
    """`LEDGERLOOP_PORTAL_URL`, else where the portal was last served from this home, else the
    default `ledgerloop portal` address."""
    if environ_url:
        return environ_url.rstrip("/")
    try:
        recorded = (home / SERVED_URL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        recorded = ""
    return (recorded or DEFAULT_URL).rstrip("/")
