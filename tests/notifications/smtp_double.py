"""A loopback SMTP server (aiosmtpd) that keeps what it receives, for delivery tests."""

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Inbox:
    messages: list[bytes] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    """Recipients the server answers 550 for."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()) == (user, password)
        return AuthResult(success=ok)
    return check


@contextmanager
def smtp_server(tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                credentials: tuple[str, str] | None = None) -> Iterator[tuple[Inbox, int]]:
    """Plain SMTP; with `tls`, STARTTLS required (or TLS from the first byte with `implicit_tls`);
    with `credentials`, AUTH LOGIN/PLAIN required."""
    inbox = Inbox()
    port = _free_port()
    options: dict = {}
    if tls and implicit_tls:
        options["ssl_context"] = tls
    elif tls:
        options.update(tls_context=tls, require_starttls=True)
    if credentials:
        options.update(authenticator=_authenticator(*credentials), auth_required=True,
                       # aiosmtpd only counts STARTTLS as TLS; implicit TLS is encrypted anyway
                       auth_require_tls=bool(tls) and not implicit_tls)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost",
                            **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
