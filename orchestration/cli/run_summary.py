"""The summary `ledgerloop run` prints, worded for the finance people who read it: what came in,
what is owed and how late, whether the data checks passed, and where to find what was made.

Engineering detail (step timings, Dagster asset keys) stays in `--json` and `--verbose`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from orchestration.cli.run_progress import plural as _n
from orchestration.storage.warehouse_lock import explain_lock, is_lock_error

if TYPE_CHECKING:
    from pathlib import Path

    from orchestration.cli.runner import RunOutcome

# Inbound sources in the order people think of them, with what one of their rows is.
SOURCES = (
    ("salesforce/invoices", "Salesforce invoice exports", "rows"),
    ("tracker/invoices", "Collections tracker", "rows"),
    ("payments/transactions", "Bank payment files", "entries"),
    ("history/invoices", "Invoice history", "rows"),
)
_WIDTH = 32
_DBT_ERRORS = "Errors parsed from dbt logs:"
_DBT_LOG = re.compile(r"view the dbt debug log: (\S+?)\.?(?:\s|$)")


def summary_text(outcome: RunOutcome) -> str:
    """The whole summary, one section after another."""
    lines = [_headline(outcome)]
    if outcome.failure:
        lines.append(f"  what went wrong: {outcome.failure}")
    for section in (_attention, _files, _receivables, _payment_queue, _checks, _outputs):
        part = section(outcome)
        if part:
            lines += ["", *part]
    return "\n".join(lines)


def describe_failure(message: str, warehouse: Path | None) -> str:
    """A step's error as one line: who holds the warehouse, dbt's own error, or its first line."""
    if warehouse is not None and is_lock_error(message):
        return explain_lock(message, warehouse)
    if _DBT_ERRORS in message:
        errors = [line.strip() for line in message.split(_DBT_ERRORS, 1)[1].splitlines() if line.strip()]
        log = _DBT_LOG.search(message)
        where = f" (dbt's log: {log[1]})" if log else ""
        return f"dbt could not build the ledger: {errors[0] if errors else 'see its log'}{where}"
    return next((line.strip() for line in message.splitlines() if line.strip()), "unknown error")


def _headline(outcome: RunOutcome) -> str:
    took = _duration(outcome.seconds if outcome.command_seconds is None else outcome.command_seconds)
    day = f" for {outcome.as_of:%d %b %Y}" if outcome.as_of else ""
    failed = [c for c in outcome.checks if not c.passed]
    if outcome.failure:
        verdict = f"FAILED after {took}"
    elif not outcome.success:
        verdict = f"FAILED after {took}: {_n(len(failed), 'data check')} failed"
    elif failed:
        verdict = f"finished in {took}, with {_n(len(failed), 'warning')} from the data checks"
    else:
        verdict = f"finished in {took}, all data checks passed"
    return f"ledgerloop run {outcome.run_id[:8]}{day}: {verdict}"


def _attention(outcome: RunOutcome) -> list[str]:
    """Failed checks that explain themselves (e.g. why so many rows were set aside), first."""
    explained = [c for c in outcome.checks if not c.passed and c.detail]
    if not explained:
        return []
    return ["Needs attention", *(f"  {line}" for c in explained for line in c.detail.splitlines())]


def _files(outcome: RunOutcome) -> list[str]:
    lines = ["Files taken in"]
    for key, name, unit in SOURCES:
        meta = outcome.ingest.get(key)
        if meta is None:
            continue
        lines.append(f"  {name:<{_WIDTH}}{_file_counts(meta, unit)}")
        lines += [f"    refused whole: {line}" for line in _lines(meta.get("rejected_files"))]
        lines += [f"    still being written, left for the next run: {file}"
                  for file in _lines(meta.get("waiting_files"))]
    answers = outcome.ingest.get("portal/director_updates", {}).get("updates_loaded")
    entries = outcome.ingest.get("portal/collector_entries", {}).get("entries_loaded")
    if answers is not None:
        lines.append(f"  {'Directors, from the portal':<{_WIDTH}}{_n(answers, 'new answer')}")
    if entries is not None:
        count = _n(entries, "new entry", "new entries")
        lines.append(f"  {'Collectors, from the workbench':<{_WIDTH}}{count}")
    return lines if len(lines) > 1 else []


def _file_counts(meta: dict, unit: str) -> str:
    if meta.get("note"):
        return f"not set up ({meta['note']})"
    new = meta.get("files_processed", 0)
    words = [_n(new, "new file") if new else "no new files"]
    if meta.get("files_skipped_as_duplicates"):
        words.append(f"{_n(meta['files_skipped_as_duplicates'], 'file')} seen before (skipped)")
    if meta.get("files_rejected"):
        words.append(f"{_n(meta['files_rejected'], 'file')} refused whole")
    text = ", ".join(words)
    read = meta.get("rows_read", 0)
    if not read:
        return text
    parts = [f"{meta.get('rows_loaded', 0):,} taken in"]
    if "rows_not_receipts" in meta:
        parts[0] = f"{meta.get('rows_loaded', 0):,} payments received"
        parts.append(f"{meta['rows_not_receipts']:,} not payments (debits, fees, returns)")
    if meta.get("rows_quarantined"):
        parts.append(f"{meta['rows_quarantined']:,} set aside with the reason (quarantine)")
    return f"{text}; {read:,} {unit}: {', '.join(parts)}"


def _receivables(outcome: RunOutcome) -> list[str]:
    if not outcome.totals:
        return []
    invoices, open_invoices, _ = outcome.totals
    day = f" on {outcome.as_of:%d %b %Y}" if outcome.as_of else ""
    lines = [f"Receivables{day}: {_n(open_invoices, 'open invoice')} of {invoices:,} known"]
    words = _bucket_words(outcome)
    currencies = dict.fromkeys(c for c, *_ in outcome.buckets)
    for currency in currencies:
        rows = [(b, n, v) for c, b, n, v in outcome.buckets if c == currency]
        name = "currency not recorded" if currency == "n/a" else currency
        lines.append(f"  {name:<{_WIDTH - 2}}{'invoices':>10}{'balance':>20}")
        lines += [f"    {words.get(b, b):<{_WIDTH - 4}}{n:>10,}{v:>20,.2f}" for b, n, v in rows]
        if len(rows) > 1 and currency != "n/a":
            total = sum((v for _, _, v in rows), Decimal(0))
            lines.append(f"    {'total open':<{_WIDTH - 4}}{sum(n for _, n, _ in rows):>10,}{total:>20,.2f}")
    return lines


def _bucket_words(outcome: RunOutcome) -> dict[str, str]:
    """Each aging bucket of the policy in words: `1-30` -> `1-30 days past due`."""
    if outcome.settings is None:
        return {}
    words, low = {}, None
    for bucket in outcome.settings.policy().aging.buckets:
        high = bucket.max_days
        if high is not None and high <= 0:
            words[bucket.label] = "not yet due"
        elif high is None:
            words[bucket.label] = f"over {low - 1} days past due" if low else "past due"
        else:
            words[bucket.label] = f"{low}-{high} days past due" if low else f"up to {high} days past due"
        low = (high or 0) + 1
    return words


def _checks(outcome: RunOutcome) -> list[str]:
    if not outcome.checks:
        return []
    failed = [c for c in outcome.checks if not c.passed]
    if not failed:
        return [f"Data checks: all {len(outcome.checks):,} passed"]
    lines = [f"Data checks: {len(outcome.checks) - len(failed):,} of {len(outcome.checks):,} passed, "
             f"{len(failed):,} failed"]
    for check in failed:
        effect = "stops the run" if check.severity == "ERROR" else "warning"
        lines.append(f"  failed ({effect}): {check.description or check.name}  [{check.name}]")
    return lines


def _outputs(outcome: RunOutcome) -> list[str]:
    """What the run made for people and where it is, from its assets' metadata."""
    settings = outcome.settings
    if settings is None:
        return []
    home, out = settings.home, outcome.outputs
    lines = ["Where to find what the run made"]

    def add(what: str, text: str) -> None:
        lines.append(f"  {what:<{_WIDTH}}{text}")

    if dunning := out.get("outbox/dunning_drafts"):
        add("Dunning notices to approve", f"{_n(dunning.get('notices', 0), 'notice')}, "
            f"{_n(dunning.get('call_tasks', 0), 'call')} to make, "
            f"{_n(dunning.get('escalations', 0), 'escalation')} in {dunning.get('outbox')}")
        if waiting := _waiting_for_cash(dunning):
            add("", f"held back, waiting for cash: {waiting} (`ledgerloop dunning preview` says why)")
        if beyond := (dunning.get("held_by_reason") or {}).get("daily_limit"):
            add("", f"waiting for a later run: {_n(beyond, 'invoice')} also due, past today's limit "
                "of new notices (dunning.daily_limit)")
    if alerts := out.get("outbox/alert_drafts"):
        add("Alerts", f"{alerts.get('alerts_raised_today', 0):,} raised today, "
            f"{_n(_alert_emails(outcome, alerts), 'email draft')} to the people concerned")
    add("Email drafts", f"{home / 'outbox' / 'drafts'} (review with `ledgerloop drafts list`)")
    add("Collectors' worklists", str(settings.exports_dir / "worklists"))
    if summary := out.get("exports/manager_summary"):
        add("Manager summary", str(summary.get("path")))
    if statements := out.get("exports/statements"):
        if statements.get("skipped"):  # monthly: the folder holds what an earlier run wrote
            add("Customer statements", f"this month's are in {statements.get('folder')} (written by an "
                "earlier run; `ledgerloop statement` writes one on demand)")
        else:
            add("Customer statements",
                f"{_n(statements.get('accounts', 0), 'account')} in {statements.get('folder')}")
    add("Rows set aside", f"{outcome.quarantined_total:,} in total, each with its reason "
        "(warehouse table quarantine.rejected_rows)")
    add("Warehouse", settings.warehouse.describe())
    add("Files taken in, archived", str(settings.archive_dir))
    add("Run history", f"the Dagster UI (`ledgerloop serve`); kept in {home / 'dagster'}")
    return lines


def _waiting_for_cash(dunning: dict) -> str:
    """Notices held so nobody is chased for money that arrived this morning."""
    held = dunning.get("held_by_reason") or {}
    waiting = {"until the day's payment files are in": held.get("payment_files_not_in", 0),
               "until cash is applied": held.get("unapplied_cash", 0)}
    return ", ".join(f"{count:,} {why}" for why, count in waiting.items() if count)


def _alert_emails(outcome: RunOutcome, alerts: dict) -> int:
    """The day's alert emails that exist after the whole run (not what was once written)."""
    from pathlib import Path

    from notifications.outbox import Outbox
    from orchestration.outreach.alerts import alert_emails

    day = alerts.get("as_of") or Path(str(alerts.get("folder", ""))).name
    if outcome.settings is None or not day:
        return 0
    return len(alert_emails(Outbox(outcome.settings.home / "outbox"), dt.date.fromisoformat(str(day))))


def _payment_queue(outcome: RunOutcome) -> list[str]:
    """Payments waiting for a person, so that unapplied cash is never out of sight."""
    queue = outcome.payment_queue
    if queue is None:
        return []
    if not queue:
        return ["Unapplied cash queue: empty"]
    waiting = sum(count for _, count, _ in queue)
    lines = [f"Unapplied cash queue: {_n(waiting, 'payment')} with cash not yet applied to invoices "
             "(`ledgerloop payments resolve|unapply`)",
             f"  {'':<{_WIDTH - 2}}{'payments':>10}{'unapplied':>20}"]
    lines += [f"  {'currency not recorded' if c == 'n/a' else c:<{_WIDTH - 2}}{n:>10,}{v:>20,.2f}"
              for c, n, v in queue]
    return lines


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _lines(text: str | None) -> list[str]:
    return [line for line in (text or "").splitlines() if line]
