"""The outbox: drafts that wait for a person's approval, and SMTP delivery that never repeats.

A message's state is the folder its `.eml` file is in, changed by atomic renames under a lock:
`drafts/<date>/` -> `approved/<date>/` -> `sending/<date>/` -> `sent/<date>/`. A message is
moved to `sending/` (and the move made durable) *before* it is handed to the SMTP server, so a
crash mid-way leaves it there, and a later `send` reports it as uncertain instead of sending it
again: the mail server's log (by Message-ID) tells whether it went.
"""

from __future__ import annotations

import fcntl
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

STATES = ("drafts", "approved", "sending", "sent")
Audit = Callable[[str, str, str, str], None]
"""(actor, action, subject, detail), e.g. the portal store's `audit`."""


class OutboxError(RuntimeError):
    """An outbox operation that cannot proceed; the message says which file and why."""


@dataclass(frozen=True)
class OutboxItem:
    state: str
    day: str
    name: str
    path: Path

    @property
    def ident(self) -> str:
        """How a person names a message on the command line: `<date>/<name>`."""
        return f"{self.day}/{self.name}"

    def message(self) -> EmailMessage:
        with self.path.open("rb") as handle:
            return BytesParser(policy=policy.SMTP).parse(handle)


@dataclass
class SendReport:
    sent: list[OutboxItem] = field(default_factory=list)
    refused: list[tuple[OutboxItem, str]] = field(default_factory=list)
    uncertain: list[OutboxItem] = field(default_factory=list)


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


class Outbox:
    """The `outbox/` folder under `$LEDGERLOOP_HOME`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time: the pipeline writing drafts, a person approving or sending."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _path(self, state: str, day: str, name: str) -> Path:
        return self.root / state / day / f"{name}.eml"

    def items(self, state: str, day: str | None = None) -> list[OutboxItem]:
        """Messages in one state, oldest day first."""
        base = self.root / state
        pattern = f"{day}/*.eml" if day else "*/*.eml"
        return sorted(
            (OutboxItem(state, p.parent.name, p.stem, p) for p in base.glob(pattern)),
            key=lambda item: (item.day, item.name),
        )

    def write_draft(self, day: str, name: str, message: EmailMessage) -> Path | None:
        """Write (or refresh) a draft; None when this message of this day is already approved or sent."""
        with self._locked():
            if any(self._path(s, day, name).exists() for s in STATES[1:]):
                return None
            path = self._path("drafts", day, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".eml.tmp")
            # Owner-only: the message carries the director's signed link, which opens their page.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(fd, 0o600)  # a leftover temporary file may have had another mode
                handle.write(message.as_bytes(policy=policy.SMTP))
                handle.flush()
                os.fsync(fd)  # the content is durable before the rename makes it the draft
            os.replace(temporary, path)
            _fsync_dir(path.parent)
            return path

    def withdraw_drafts(self, day: str, keep: set[str]) -> list[OutboxItem]:
        """Delete this day's unapproved drafts not in `keep` (their director has nothing to answer now)."""
        with self._locked():
            stale = [item for item in self.items("drafts", day) if item.name not in keep]
            for item in stale:
                item.path.unlink()
            return stale

    def approve(self, idents: list[str], actor: str, audit: Audit) -> list[OutboxItem]:
        """Move the named drafts (`<date>/<name>`) to approved; an unknown name is an error."""
        with self._locked():
            drafts = {item.ident: item for item in self.items("drafts")}
            unknown = [i for i in idents if i not in drafts]
            if unknown:
                raise OutboxError(f"no draft named {', '.join(unknown)} in {self.root / 'drafts'}")
            approved = []
            for ident in idents:
                item = drafts[ident]
                moved = self._move(item, "approved")
                audit(actor, "email.approved", _recipient(moved), _message_id(moved))
                approved.append(moved)
            return approved

    def send(self, smtp: SmtpSettings, actor: str, audit: Audit) -> SendReport:
        """Deliver every approved message once; report refusals and earlier uncertain sends."""
        report = SendReport()
        with self._locked():
            report.uncertain = self.items("sending")
            pending = self.items("approved")
            if not pending:
                return report
            with smtp.connect() as client:
                for item in pending:
                    message = item.message()
                    sending = self._move(item, "sending")  # durable before the server sees it
                    try:
                        client.send_message(message)
                    except _REFUSALS as exc:
                        back = self._move(sending, "approved")
                        audit(actor, "email.refused", _recipient(back), f"{message['Message-ID']}: {exc}")
                        report.refused.append((item, str(exc)))
                        continue
                    sent = self._move(sending, "sent")
                    audit(actor, "email.sent", _recipient(sent), str(message["Message-ID"]))
                    report.sent.append(sent)
        return report

    def _move(self, item: OutboxItem, state: str) -> OutboxItem:
        target = self._path(state, item.day, item.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise OutboxError(f"{target} already exists; not overwriting it with {item.path}")
        os.rename(item.path, target)
        _fsync_dir(target.parent)
        _fsync_dir(item.path.parent)
        return OutboxItem(state, item.day, item.name, target)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _recipient(item: OutboxItem) -> str:
    return str(item.message()["To"].addresses[0].addr_spec)


def _message_id(item: OutboxItem) -> str:
    return str(item.message()["Message-ID"])
