"""One error type for everything that can go wrong talking to the org.

The ingest asset shows these messages to staff and in run logs, so each names what failed
(login, report id, SOQL) and Salesforce's own error code, and never carries a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import requests

EXPIRED_SESSION_HINT = (
    " (the session is expired or invalid: set a fresh SALESFORCE_SESSION_ID, or use "
    "SALESFORCE_USERNAME, SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN)"
)


class SalesforceExtractError(RuntimeError):
    """Extracting invoices from the org failed; the message says what and why."""


@contextmanager
def translate_errors(what: str, secrets: Iterable[str] = ()) -> Iterator[None]:
    """Re-raise simple-salesforce and transport errors as SalesforceExtractError about `what`.

    The cause is not chained: library exceptions carry raw response bodies and requests,
    and the message already holds the Salesforce error code and text.
    """
    # Here, not at the top: the client library loads only when an org is configured.
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    try:
        yield
    except SalesforceAuthenticationFailed as exc:
        message = f"{what} failed: {exc.code}: {exc.auth_message}"
        raise SalesforceExtractError(_scrub(message, secrets)) from None
    except SalesforceError as exc:
        hint = EXPIRED_SESSION_HINT if exc.status == 401 else ""
        message = f"{what} failed: HTTP {exc.status} {_salesforce_errors(exc.content)}{hint}"
        raise SalesforceExtractError(_scrub(message, secrets)) from None
    except requests.RequestException as exc:
        message = f"{what} failed: {type(exc).__name__}: {exc}"
        raise SalesforceExtractError(_scrub(message, secrets)) from None


def _salesforce_errors(content: object) -> str:
    """`CODE: message` for each error of the REST error body (a JSON list of objects)."""
    if isinstance(content, list) and all(isinstance(item, dict) for item in content):
        return "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in content)
    return str(content)[:500]


def _scrub(message: str, secrets: Iterable[str]) -> str:
    """Mask any secret the server might have echoed back."""
    for secret in filter(None, secrets):
        message = message.replace(secret, "***")
    return message
