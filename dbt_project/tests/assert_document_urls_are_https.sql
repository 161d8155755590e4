-- A document address reaches the ledger (and from there a customer's page) only as an https://
-- address: the ingest refuses anything else, and this fails if another path ever lets one in.
select invoice_key, document_url
from {{ ref('ar_ledger') }}
where document_url is not null
    and not {{ ll_regexp_full_match_ci('document_url', 'https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?([/?#].*)?') }}
