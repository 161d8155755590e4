"""Payment files (bank CSV, BAI2, camt.053/054): parsers into one shape, payment identity, and
the load into `raw.payments`, `raw.payment_non_receipts` and `quarantine.rejected_rows`."""
