"""Portal settings, read once from the environment so the app and the CLI agree."""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from portal.served import portal_base_url

SECRET_FILE_NAME = "secret.key"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class PortalSettings:
    """Everything the portal needs to start.

    home: working folder (`LEDGERLOOP_HOME`, default `./var`).
    secret_key: signs links and session cookies (`LEDGERLOOP_SECRET_KEY`, else
        `$LEDGERLOOP_HOME/secret.key`, created once with mode 0600; never a built-in default).
    db_url: the portal store (`LEDGERLOOP_PORTAL_DB_URL`, default SQLite under home).
    base_url: the public address links point at (`LEDGERLOOP_PORTAL_URL`, else the address the
        portal was last served at from this home: `portal.served`).
    link_max_age_days: how long a director link stays valid (`LEDGERLOOP_LINK_MAX_AGE_DAYS`).
    trusted_proxies: addresses or networks of the reverse proxies in front of the portal
        (`LEDGERLOOP_TRUSTED_PROXIES`, comma-separated); only a request from one of them has its
        `X-Forwarded-For` believed. Empty (the default): the TCP peer is the client.
    """

    home: Path
    secret_key: str = field(repr=False)  # never in a log line or a traceback
    db_url: str = field(repr=False)  # a PostgreSQL URL may carry a password
    base_url: str = "http://127.0.0.1:8000"
    link_max_age_days: int = 14
    trusted_proxies: tuple[str, ...] = ()

    @property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`trusted_proxies` as networks (a single address is a /32 or /128)."""
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies)

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure and `__Host-` prefixed when the portal is served over HTTPS."""
        return self.base_url.startswith("https://")

    @property
    def link_max_age_seconds(self) -> int:
        """Link lifetime in seconds, as itsdangerous wants it."""
        return self.link_max_age_days * 86_400

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PortalSettings:
        """Build settings from `environ` (default `os.environ`), creating the secret file if needed."""
        env = os.environ if environ is None else environ
        home = Path(env.get("LEDGERLOOP_HOME") or "./var").resolve()
        secret = env.get("LEDGERLOOP_SECRET_KEY")
        if secret and len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LEDGERLOOP_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters: "
                "links and sessions signed with it could be forged"
            )
        secret = secret or load_or_create_secret(home / SECRET_FILE_NAME)
        db_url = env.get("LEDGERLOOP_PORTAL_DB_URL") or f"sqlite:///{home / 'portal.sqlite3'}"
        raw_days = env.get("LEDGERLOOP_LINK_MAX_AGE_DAYS") or "14"
        try:
            days = int(raw_days)
        except ValueError:
            raise ValueError(
                f"LEDGERLOOP_LINK_MAX_AGE_DAYS must be a whole number of days, got {raw_days!r}"
            ) from None
        if days < 1:
            raise ValueError(f"LEDGERLOOP_LINK_MAX_AGE_DAYS must be at least 1, got {days}")
        return cls(
            home=home,
            secret_key=secret,
            db_url=db_url,
            base_url=portal_base_url(home, env.get("LEDGERLOOP_PORTAL_URL")),
            link_max_age_days=days,
            trusted_proxies=_trusted_proxies(env.get("LEDGERLOOP_TRUSTED_PROXIES") or ""),
        )


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """`10.0.0.5, 10.1.0.0/16` -> ('10.0.0.5', '10.1.0.0/16'); an entry that is not an address or
    network is an error naming it (a typo must not silently trust nobody, or everybody)."""
    entries = tuple(part.strip() for part in raw.split(",") if part.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"LEDGERLOOP_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(write addresses like 10.0.0.5 or networks like 10.1.0.0/16, comma-separated)"
            ) from None
    return entries


def load_or_create_secret(path: Path) -> str:
    """Read the secret file, or create it once (mode 0600) so a demo works with no set-up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ValueError(
                f"{path}: secret key file is readable by others (mode {mode:04o}); "
                f"run `chmod 600 {path}`"
            ) from None
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"{path}: secret key is shorter than {MIN_SECRET_LENGTH} characters; "
                "delete it to make a new one"
            ) from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret
