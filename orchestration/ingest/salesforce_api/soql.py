"""Invoice rows from a SOQL query, across all of its result pages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError, translate_errors
from orchestration.ingest.salesforce_api.values import canonical

if TYPE_CHECKING:  # the client library loads only when an org is configured (connect)
    from simple_salesforce import Salesforce

Row = dict[str, str | None]


def fetch_soql_rows(sf: Salesforce, soql: str, fields: dict[str, str]) -> Iterator[Row]:
    """Rows of ledger field -> canonical text, for `fields` (ledger field -> field path).

    `query_all_iter` follows `nextRecordsUrl`, one page in memory at a time.
    """
    items = fields.items()
    with translate_errors("Salesforce SOQL query", (sf.session_id,)):
        for record in sf.query_all_iter(soql):
            yield {field: canonical(field, _resolve(record, path)) for field, path in items}


def _resolve(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path like `Account__r.Owner.Email`; None past a null relationship."""
    node: Any = record
    for name in path.split("."):
        if node is None:
            return None
        node = node[_key(node, name, path)]
    return node


def _key(node: Any, name: str, path: str) -> str:
    """The record's own spelling of `name`: SOQL is case-insensitive, the JSON keys are not."""
    if isinstance(node, Mapping):
        if name in node:
            return name
        for key in node:
            if key.casefold() == name.casefold():
                return key
    raise SalesforceExtractError(
        f"SOQL result has no field {path!r} (at {name!r}); select it in the query"
    )
