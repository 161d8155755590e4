"""Credentials from the environment and a resilient simple-salesforce connection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError, translate_errors

if TYPE_CHECKING:  # simple-salesforce (with zeep, jwt, httpx) takes ~0.2 s to import: see `connect`
    from simple_salesforce import Salesforce

SESSION_VARS = ("SALESFORCE_INSTANCE_URL", "SALESFORCE_SESSION_ID")
LOGIN_VARS = ("SALESFORCE_USERNAME", "SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN")
OPTION_VARS = ("SALESFORCE_DOMAIN", "SALESFORCE_API_VERSION")

# (connect, read) seconds: simple-salesforce sets no timeout at all, and a synchronous
# report run can take minutes on a large org.
DEFAULT_TIMEOUT = (10.0, 300.0)
# 500 is left out on purpose: SOAP login faults (a wrong password) come back as HTTP 500, and
# retrying them counts towards Salesforce's lock-out after failed logins.
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class SalesforceCredentials:
    """How to reach the org: an existing session, or a username/password/token login."""

    instance_url: str | None = None
    session_id: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    domain: str = "login"
    api_version: str | None = None  # simple-salesforce's default

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a message or log."""
        return tuple(s for s in (self.session_id, self.password, self.security_token) if s)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SalesforceCredentials | None:
        """Credentials from SALESFORCE_* variables; None when none is set (empty = unset)."""
        known = (*SESSION_VARS, *LOGIN_VARS, *OPTION_VARS)
        # Secrets are kept exactly as given; only blank values count as unset.
        values = {name: environ[name] for name in known if environ.get(name, "").strip()}
        if not values:
            return None
        required = _required_vars(values)
        missing = [name for name in required if name not in values]
        if missing:
            raise SalesforceExtractError(
                f"Salesforce credentials are incomplete: {', '.join(missing)} not set "
                f"(set {' and '.join(SESSION_VARS)}, or {', '.join(LOGIN_VARS)})"
            )
        options = {
            "domain": _domain(values.get("SALESFORCE_DOMAIN", "login").strip()),
            "api_version": _api_version(values["SALESFORCE_API_VERSION"].strip())
            if "SALESFORCE_API_VERSION" in values else None,
        }
        if required == SESSION_VARS:
            return cls(
                instance_url=_instance_url(values["SALESFORCE_INSTANCE_URL"].strip()),
                session_id=values["SALESFORCE_SESSION_ID"],
                **options,
            )
        return cls(
            username=values["SALESFORCE_USERNAME"].strip(),
            password=values["SALESFORCE_PASSWORD"],
            security_token=values["SALESFORCE_SECURITY_TOKEN"],
            **options,
        )


def _required_vars(values: Mapping[str, str]) -> tuple[str, ...]:
    """The variable set the user started on; both at once is ambiguous."""
    session = any(name in values for name in SESSION_VARS)
    login = any(name in values for name in LOGIN_VARS)
    if session and login:
        raise SalesforceExtractError(
            f"set either {' and '.join(SESSION_VARS)}, or {', '.join(LOGIN_VARS)}, not both"
        )
    return SESSION_VARS if session else LOGIN_VARS


def _instance_url(url: str) -> str:
    """simple-salesforce keeps only the host and always speaks https, so insist on that form."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise SalesforceExtractError(
            f"SALESFORCE_INSTANCE_URL {url!r} must look like https://yourorg.my.salesforce.com"
        )
    return url


def _domain(domain: str) -> str:
    """The login host is https://<domain>.salesforce.com, so a full host name doubles up."""
    if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*", domain) or domain.endswith(
        ".salesforce.com"
    ):
        raise SalesforceExtractError(
            f"SALESFORCE_DOMAIN {domain!r} must be the part before .salesforce.com "
            "(login, test or yourorg.my)"
        )
    return domain


def _api_version(version: str) -> str:
    match = re.fullmatch(r"v?(\d{2,3}\.\d)", version)
    if not match:
        raise SalesforceExtractError(f"SALESFORCE_API_VERSION {version!r} must look like 59.0")
    return match.group(1)


class _TimeoutAdapter(HTTPAdapter):
    """An HTTPAdapter with a default timeout, since simple-salesforce passes none."""

    def __init__(self, timeout: float | tuple[float, float], **kwargs: Any) -> None:
        self._timeout = timeout
        super().__init__(**kwargs)

    def send(
        self, request: requests.PreparedRequest, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        return super().send(
            request, timeout=self._timeout if timeout is None else timeout, **kwargs
        )


def resilient_adapter(timeout: float | tuple[float, float] = DEFAULT_TIMEOUT) -> HTTPAdapter:
    """Retries with exponential backoff (honouring Retry-After) for blips, 429 and 5xx.

    POST is retried too: the only POSTs made here are the SOAP login and synchronous report
    runs, which change nothing. Exhausted status retries return the last response, so
    simple-salesforce still raises with Salesforce's error body.
    """
    retry = Retry(
        total=4,
        connect=4,
        read=1,
        status=4,
        backoff_factor=0.5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        raise_on_status=False,
        respect_retry_after_header=True,
        retry_after_max=120,
    )
    return _TimeoutAdapter(timeout, max_retries=retry)


def connect(
    credentials: SalesforceCredentials,
    session: requests.Session | None = None,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> Salesforce:
    """A Salesforce client on `session` (which gains retries and a timeout for https).

    A username login happens here; a session id is only checked by the first call. The client
    library is imported here, by the runs that reach an org, not by every run that loads the ingest.
    """
    from simple_salesforce import Salesforce
    from simple_salesforce.api import DEFAULT_API_VERSION

    session = session or requests.Session()
    session.mount("https://", resilient_adapter(timeout))
    if credentials.session_id:
        return Salesforce(
            instance_url=credentials.instance_url,
            session_id=credentials.session_id,
            version=credentials.api_version or DEFAULT_API_VERSION,
            session=session,
        )
    what = f"Salesforce login as {credentials.username!r} at {credentials.domain}.salesforce.com"
    with translate_errors(what, credentials.secrets):
        return Salesforce(
            username=credentials.username,
            password=credentials.password,
            security_token=credentials.security_token,
            domain=credentials.domain,
            version=credentials.api_version or DEFAULT_API_VERSION,
            session=session,
        )
