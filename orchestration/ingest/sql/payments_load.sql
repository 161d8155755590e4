-- One parsed payment file into raw and quarantine (rows staged as registered data frames).
insert into raw.payments
select
    payment_id,
    bank_transaction_id,
    statement_account,
    cast(received_on as date),
    cast(amount as decimal(18, 2)),
    currency,
    payer,
    reference,
    $format,
    $source_file,
    $file_sha256,
    row_number,
    $loaded_at,
    tx_index,
    transaction_code
from payment_rows;

insert into raw.payment_non_receipts
select
    bank_transaction_id,
    statement_account,
    cast(booked_on as date),
    cast(amount as decimal(18, 2)),
    currency,
    counterparty,
    reference,
    reason,
    reverses,
    transaction_code,
    $format,
    $source_file,
    $file_sha256,
    row_number,
    $loaded_at,
    tx_index
from non_receipt_rows;

insert into quarantine.rejected_rows
select
    'payments',
    $source_file,
    row_number,
    field,
    reason,
    cast(raw_record as json),
    $loaded_at,
    $file_sha256
from rejected_payment_rows;
