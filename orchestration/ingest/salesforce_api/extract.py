"""Write the org's invoices into the Salesforce landing folder as export-shaped CSVs.

The file ingest then loads them like any report export (hashed, archived, counted), so the
header uses the export labels from the policy and the values are canonical.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import requests

from orchestration.ingest.salesforce_api.connection import SalesforceCredentials, connect
from orchestration.ingest.salesforce_api.errors import SalesforceExtractError
from orchestration.ingest.salesforce_api.reports import Row, fetch_report_rows
from orchestration.ingest.salesforce_api.soql import fetch_soql_rows
from orchestration.policy import Policy
from orchestration.policy.locale import Locale
from orchestration.policy.report_cells import MONEY_FIELDS
from orchestration.policy.sources import SalesforceSource


def extract_to_landing(
    policy: Policy,
    landing_dir: Path,
    environ: Mapping[str, str],
    now: datetime,
    session: requests.Session | None = None,
) -> list[Path]:
    """Pull invoices into `landing_dir` (the Salesforce landing folder); [] without credentials.

    Files appear whole or not at all, so the file ingest never reads half an extract.
    """
    credentials = SalesforceCredentials.from_env(environ)
    if credentials is None:
        return []
    source = policy.sources.salesforce
    api = source.api
    if not (api.report_id or api.soql):
        raise SalesforceExtractError(
            "SALESFORCE_* variables are set but sources.salesforce.api has neither report_id "
            "nor soql"
        )
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    sf = connect(credentials, session)
    written = []
    if api.report_id:
        labels = _labels(source, api.report_columns, "report_columns")
        rows = fetch_report_rows(
            sf, api.report_id, api.report_columns, api.report_page_column, api.report_cells
        )
        path = landing_dir / f"api-report-{api.report_id}-{stamp}.csv"
        written.append(_write(path, labels, _in_locale(rows, source.locale)))
    if api.soql:
        labels = _labels(source, api.soql_fields, "soql_fields")
        rows = fetch_soql_rows(sf, api.soql, api.soql_fields)
        path = landing_dir / f"api-soql-{stamp}.csv"
        written.append(_write(path, labels, _in_locale(rows, source.locale)))
    return written


def _labels(source: SalesforceSource, mapping: dict[str, str], key: str) -> dict[str, str]:
    """Ledger field -> export label for the mapped fields, in the policy's column order."""
    unlabelled = [field for field in mapping if field not in source.columns]
    if unlabelled:
        raise SalesforceExtractError(
            f"sources.salesforce.api.{key} maps {unlabelled} but sources.salesforce.columns "
            "gives them no export label"
        )
    return {field: label for field, label in source.columns.items() if field in mapping}


def _in_locale(rows: Iterable[Row], locale: Locale) -> Iterator[Row]:
    """Amounts with the exports' decimal separator: the file ingest reads an extract with the
    report's locale, where `1234.50` under `1.234,50` would be 123450."""
    for row in rows:
        yield {
            field: text.replace(".", locale.decimal_separator)
            if field in MONEY_FIELDS and text
            else text
            for field, text in row.items()
        }


def _write(path: Path, labels: dict[str, str], rows: Iterable[Row]) -> Path:
    """Write the CSV to `<name>.part`, then rename it into place; remove the part on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(labels.values())
            writer.writerows([row[field] or "" for field in labels] for row in rows)
            handle.flush()
            os.fsync(handle.fileno())
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path
