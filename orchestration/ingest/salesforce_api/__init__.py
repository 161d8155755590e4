"""Extract invoices from a live Salesforce org (simple-salesforce) into the landing folder.

Used by the ingest asset when SALESFORCE_* variables are set: `extract_to_landing` writes
export-shaped CSVs that the file ingest then loads like any report export.
"""

from orchestration.ingest.salesforce_api.connection import SalesforceCredentials, connect
from orchestration.ingest.salesforce_api.errors import SalesforceExtractError
from orchestration.ingest.salesforce_api.extract import extract_to_landing
from orchestration.ingest.salesforce_api.reports import fetch_report_rows
from orchestration.ingest.salesforce_api.soql import fetch_soql_rows
from orchestration.ingest.salesforce_api.values import canonical

__all__ = [
    "SalesforceCredentials",
    "SalesforceExtractError",
    "canonical",
    "connect",
    "extract_to_landing",
    "fetch_report_rows",
    "fetch_soql_rows",
]
