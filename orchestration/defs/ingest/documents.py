"""Invoice copies (`documents/<office>/<invoice number>.pdf`) into `raw.invoice_documents` before
dbt runs, so the ledger and the customer door know which invoices have a copy to download."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.documents import load_documents, scan_documents
from orchestration.storage.sessions import open_session
from portal.invoice_copies import documents_dir

REFUSED_LISTED = 50


@dg.asset(key=["documents", "invoice_documents"], group_name="ingest", kinds={"pdf", "duckdb"})
def invoice_documents(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Invoice PDFs kept in documents/<office>/, each checked (a real PDF, size-capped, no link)."""
    settings = ledgerloop.settings
    documents = scan_documents(settings.home, ledgerloop.policy())
    with open_session(settings.warehouse, replaces=["raw.invoice_documents"]) as con:
        load_documents(con, documents, ledgerloop.facts.loaded_at)
    refused = [f"{d.checked.relative_path}: {d.problem}" for d in documents if d.problem]
    return dg.MaterializeResult(metadata={
        "folder": str(documents_dir(settings.home)),
        "files": len(documents),
        "servable": len(documents) - len(refused),
        "refused": len(refused),
        "refused_files": dg.MetadataValue.md("\n".join(f"- {line}" for line in refused[:REFUSED_LISTED])),
    })


defs = dg.Definitions(assets=[invoice_documents])
