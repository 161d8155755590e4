"""Cash before dunning: is the day's cash in, and whose cash is still waiting to be applied?

Read from the warehouse's contract tables only: `raw.ingested_files` (when payment files were
loaded), `marts.payments` (what is unapplied), `marts.reconciliation_exceptions` (the invoices a
queued payment may pay), `marts.payment_applications` and `marts.ar_ledger`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import duckdb

from notifications.render import money
from orchestration.dunning.engagement import has_table
from orchestration.policy.dunning import WEEKDAYS, CashFirst

# Customers a payment with an unapplied rest belongs to: the invoices (or accounts) its queue entry
# names as candidates, the invoices it was applied to in part, or an account whose name the payer
# field spells exactly (letters and digits only, any case).
UNAPPLIED_BY_ACCOUNT = """
with unapplied as (
    select payment_id, unapplied_amount, currency, received_on, payer
    from marts.payments
    where unapplied_amount > 0
),

named as (
    select queued.payment_id, coalesce(candidate.value ->> 'account_id', ledger.account_id) as account_id
    from marts.reconciliation_exceptions as queued, json_each(queued.candidates) as candidate
    left join marts.ar_ledger as ledger
        on ledger.invoice_key = coalesce(candidate.value ->> 'invoice_key', candidate.value ->> '$')
),

applied as (
    select applications.payment_id, ledger.account_id
    from marts.payment_applications as applications
    inner join marts.ar_ledger as ledger using (invoice_key)
),

accounts as (
    select distinct account_id, regexp_replace(lower(account_name), '[^a-z0-9]', '', 'g') as spelled
    from marts.ar_ledger
    where balance > 0 and account_id is not null
),

payer as (
    select unapplied.payment_id, accounts.account_id
    from unapplied
    inner join accounts
        on accounts.spelled = regexp_replace(lower(unapplied.payer), '[^a-z0-9]', '', 'g')
    where accounts.spelled <> ''
)

select distinct
    owners.account_id, unapplied.payment_id, unapplied.unapplied_amount, unapplied.currency,
    unapplied.received_on, unapplied.payer
from unapplied
inner join (select * from named union select * from applied union select * from payer) as owners
    using (payment_id)
where owners.account_id is not null
order by owners.account_id, unapplied.received_on, unapplied.payment_id
"""


def expected_moment(as_of: dt.date, rule: CashFirst, timezone: str) -> dt.datetime | None:
    """When the payment files of `as_of` start to arrive (UTC): the expected time on `as_of`, or on
    the last bank day before it."""
    if rule.payment_files_expected is None:
        return None
    bank_days = {WEEKDAYS.index(d) for d in rule.bank_days}
    day = as_of
    while day.weekday() not in bank_days:
        day -= dt.timedelta(days=1)
    local = dt.datetime.combine(day, rule.payment_files_expected, tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def payment_files_missing(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, rule: CashFirst, timezone: str
) -> str | None:
    """Why notices wait for the day's payment files, or None when a payment file was loaded since
    they were expected (or when there is no bank feed: no payment file was ever loaded)."""
    moment = expected_moment(as_of, rule, timezone)
    if moment is None or not has_table(con, "raw", "ingested_files"):
        return None
    (latest,) = con.execute(
        "select max(ingested_at) from raw.ingested_files where source = 'payments' and status = 'loaded'"
    ).fetchone()
    if latest is None or latest.replace(tzinfo=dt.UTC) >= moment:
        return None
    zone = ZoneInfo(timezone)
    expected = moment.astimezone(zone)
    loaded = latest.replace(tzinfo=dt.UTC).astimezone(zone)
    return (
        f"the payment files of {expected.date().isoformat()} are not in yet: none loaded since "
        f"{expected:%H:%M} {timezone} (the last one {loaded:%Y-%m-%d %H:%M}); notices wait for them"
    )


def unapplied_cash(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """account_id -> the customer's cash not yet applied, in words."""
    tables = ("payments", "reconciliation_exceptions", "payment_applications")
    if not all(has_table(con, "marts", table) for table in tables):
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    for account_id, payment_id, amount, currency, received_on, payer in con.execute(
        UNAPPLIED_BY_ACCOUNT
    ).fetchall():
        when = received_on.isoformat() if received_on else "on an unknown date"
        found[account_id].append(
            f"{money(amount, currency)} received {when} from {payer or 'an unnamed payer'} "
            f"(payment {payment_id})"
        )
    return {
        account: "cash not yet applied: " + "; ".join(lines) + "; notices wait until it is"
        for account, lines in found.items()
    }
