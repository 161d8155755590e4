"""The outbox: drafts that wait for a person's approval, and SMTP delivery that never repeats.

A message's state is the folder its `.eml` file is in (`notifications.folder_states`):
`drafts/<date>/` -> `approved/<date>/` -> `sending/<date>/` -> `sent/<date>/`. A message is
moved to `sending/` (and the move made durable) *before* it is handed to the SMTP server, so a
crash mid-way leaves it there, and a later `send` reports it as uncertain instead of sending it
again: the mail server's log (by Message-ID) tells whether it went.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Literal

from notifications.draft_kinds import email_kind
from notifications.folder_states import (
    STATES,
    FolderStates,
    OutboxError,
    SendReport,
    StateWatcher,
    StoredItem,
)

__all__ = ["STATES", "Outbox", "OutboxError", "OutboxItem", "SendReport", "SmtpSettings"]

Audit = Callable[[str, str, str, str], None]
"""(actor, action, subject, detail), e.g. the portal store's `audit`."""


@dataclass(frozen=True)
class OutboxItem(StoredItem):
    """One email: `path` is its `.eml` file."""

    def message(self) -> EmailMessage:
        with self.path.open("rb") as handle:
            return BytesParser(policy=policy.SMTP).parse(handle)

    def headers(self) -> EmailMessage:
        """The email's headers, its body left unparsed: what listing, approving, auditing and
        scheduling read. A director's email (~40 KB of HTML) parses whole in ~8 ms, its headers
        in ~1 ms, which is the difference between seconds and a minute on a large outbox."""
        with self.path.open("rb") as handle:
            return BytesParser(policy=policy.SMTP).parse(handle, headersonly=True)


@dataclass(frozen=True)
class SmtpSettings:
    """SMTP delivery, from `LEDGERLOOP_SMTP_*` variables (never from the policy file).

    host/port: the server; security: `starttls` (default), `ssl` or `none` (loopback tests);
    user/password: optional credentials; timeout: seconds per SMTP command; ca_file: the CA
    that signed the server's certificate when it is not a public one (`LEDGERLOOP_SMTP_CA_FILE`).
    """

    host: str
    port: int
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line or a traceback
    timeout: float = 30.0
    ca_file: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if environ is None else environ
        host = env.get("LEDGERLOOP_SMTP_HOST")
        if not host:
            raise OutboxError("LEDGERLOOP_SMTP_HOST is not set: no SMTP server to send through")
        security = (env.get("LEDGERLOOP_SMTP_SECURITY") or "starttls").lower()
        if security not in ("starttls", "ssl", "none"):
            raise OutboxError(
                f"LEDGERLOOP_SMTP_SECURITY must be starttls, ssl or none, got {security!r}"
            )
        default_port = {"starttls": "587", "ssl": "465", "none": "25"}[security]
        raw_port = env.get("LEDGERLOOP_SMTP_PORT") or default_port
        try:
            port = int(raw_port)
        except ValueError:
            raise OutboxError(f"LEDGERLOOP_SMTP_PORT must be a number, got {raw_port!r}") from None
        user = env.get("LEDGERLOOP_SMTP_USER") or None
        password = env.get("LEDGERLOOP_SMTP_PASSWORD") or None
        if bool(user) != bool(password):
            raise OutboxError("set both LEDGERLOOP_SMTP_USER and LEDGERLOOP_SMTP_PASSWORD, or neither")
        if password and security == "none" and not _is_loopback(host):
            raise OutboxError(
                f"LEDGERLOOP_SMTP_SECURITY=none would send the SMTP password unencrypted to {host}; "
                "use starttls or ssl"
            )
        return cls(host=host, port=port, security=security, user=user, password=password,
                   timeout=float(env.get("LEDGERLOOP_SMTP_TIMEOUT") or 30),
                   ca_file=env.get("LEDGERLOOP_SMTP_CA_FILE") or None)

    @contextmanager
    def connect(self) -> Iterator[smtplib.SMTP]:
        """An SMTP session: TLS as configured, logged in when credentials are set."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.user and self.password:
                client.login(self.user, self.password)
            yield client
        finally:
            try:
                client.quit()
            except smtplib.SMTPException:
                client.close()


def _is_loopback(host: str) -> bool:
    """True for this machine only (`localhost`, 127.0.0.0/8, ::1), where no one can listen in."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The server answered with a refusal: the message was not accepted, so it may go again later.
_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class Outbox(FolderStates[OutboxItem]):
    """The `outbox/` folder under `$LEDGERLOOP_HOME`: one `.eml` file per message."""

    def __init__(self, root: Path, watcher: StateWatcher | None = None) -> None:
        super().__init__(root, OutboxItem, suffix=".eml", watcher=watcher)

    def write_draft(self, day: str, name: str, message: EmailMessage) -> Path | None:
        """Write (or refresh) a draft; None when this message of this day is already approved or sent."""
        return self._write_draft(day, name, lambda path, durable: _write_eml(path, message, durable))

    def rewrite_draft(self, ident: str, message: EmailMessage) -> Path | None:
        """Replace a waiting draft (`<date>/<name>`) with a person's edit; None when it is no longer one."""
        day, _, name = ident.partition("/")
        return self._write_draft(
            day, name, lambda path, durable: _write_eml(path, message, durable), replace_only=True
        )

    def reject(self, ident: str, note: dict[str, str], audit: Audit) -> OutboxItem | None:
        """Move a draft to rejected/ with who, when and why; None when it is no longer a draft."""

        def rejected(item: OutboxItem) -> None:
            headers = item.headers()
            detail = f"{headers['Message-ID']}: {note.get('reason', '')}"
            _audit(audit, headers, note.get("by", ""), "email.rejected", _recipient(headers), detail)

        return self._reject(ident, note, rejected)

    def withdraw_drafts(self, day: str, kind: str, keep: set[str]) -> list[OutboxItem]:
        """Delete the unapproved drafts of `kind` that `day`'s drafts supersede: that day's not in
        `keep` (e.g. a director with nothing to answer now) and every earlier day's (today's list
        and link replace them). Drafts of other kinds in the same folder belong to other writers."""
        with self._locked():
            stale = [
                item
                for item in self.items("drafts")
                if (item.day < day or (item.day == day and item.name not in keep))
                and email_kind(item.headers(), item.name, dunning=False) == kind
            ]
            for item in stale:
                self._remove(item)
            return stale

    def approve(self, idents: list[str], actor: str, audit: Audit) -> list[OutboxItem]:
        """Move the named drafts (`<date>/<name>`) to approved; an unknown name is an error."""

        def approved(item: OutboxItem) -> None:
            headers = item.headers()
            _audit(audit, headers, actor, "email.approved", _recipient(headers), str(headers["Message-ID"]))

        return self._approve(idents, "draft", approved)

    def send(self, smtp: SmtpSettings, actor: str, audit: Audit,
             now: dt.datetime | None = None) -> SendReport[OutboxItem]:
        """Deliver every approved message once; report refusals and earlier uncertain sends.
        With `now`, a message scheduled later (`X-Ledgerloop-Send-After`) waits in approved/."""

        @contextmanager
        def delivery() -> Iterator[Callable[[OutboxItem, EmailMessage], object]]:
            with smtp.connect() as client:
                yield lambda item, message: client.send_message(message)

        def refused(item: OutboxItem, message: EmailMessage, exc: Exception) -> None:
            detail = f"{message['Message-ID']}: {exc}"
            _audit(audit, message, actor, "email.refused", _recipient(message), detail)

        def sent(item: OutboxItem, message: EmailMessage, _reference: object) -> None:
            _audit(audit, message, actor, "email.sent", _recipient(message), str(message["Message-ID"]))

        return self._send(now, _send_after, delivery, _REFUSALS, refused, sent)


def _write_eml(path: Path, message: EmailMessage, durable: bool) -> None:
    temporary = path.with_suffix(".eml.tmp")
    # Owner-only: the message carries the director's signed link, which opens their page.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(fd, 0o600)  # a leftover temporary file may have had another mode
        handle.write(message.as_bytes(policy=policy.SMTP))
        handle.flush()
        if durable:  # else the outbox's bulk() syncs it with the rest, before anyone counts on it
            os.fsync(fd)  # the content is durable before the rename makes it the draft
    os.replace(temporary, path)


ACCOUNT_HEADER = "X-Ledgerloop-Account"
SEND_AFTER_HEADER = "X-Ledgerloop-Send-After"


def _audit(audit: Audit, message: EmailMessage, actor: str, action: str, subject: str, detail: str) -> None:
    """Audit a step; messages about one customer account (dunning) also name the account."""
    account = message[ACCOUNT_HEADER]
    if account:
        audit(actor, action, subject, detail, account_id=str(account))  # type: ignore[call-arg]
    else:
        audit(actor, action, subject, detail)


def _send_after(item: OutboxItem) -> dt.datetime | None:
    value = item.headers()[SEND_AFTER_HEADER]
    return dt.datetime.fromisoformat(str(value)) if value else None


def _recipient(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)
