"""`ledgerloop run`: one in-process materialization of everything, recorded in the Dagster
instance under `$LEDGERLOOP_HOME` (so it shows in the UI), and a summary a person can read."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from orchestration.dagster_home import prepare_dagster_home
from orchestration.settings import Settings
from orchestration.warehouse import connect

INBOUND_FILE_ASSETS = ("salesforce/invoices", "tracker/invoices", "payments/transactions", "history/invoices")
DIRECTOR_UPDATES = "portal/director_updates"
COLLECTOR_ENTRIES = "portal/collector_entries"
PEOPLE_OUTPUTS = (
    "outbox/alert_drafts", "outbox/dunning_drafts", "exports/manager_summary", "exports/statements",
)


@dataclass
class CheckLine:
    name: str
    passed: bool
    severity: str
    detail: str | None = None  # what went wrong, in words, where the check says so


@dataclass
class RunOutcome:
    success: bool
    seconds: float
    run_id: str
    ingest: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, dict] = field(default_factory=dict)
    checks: list[CheckLine] = field(default_factory=list)
    buckets: list[tuple] = field(default_factory=list)
    totals: tuple = ()
    quarantined_total: int = 0
    payment_queue: list[tuple] | None = None
    """(currency, payments, unapplied cash) of the exception queue; None without cash application."""
    step_seconds: dict[str, float] = field(default_factory=dict)
    settings: Settings | None = None
    failure: str | None = None

    @property
    def blocking_failures(self) -> list[CheckLine]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    def as_dict(self) -> dict:
        """The summary for machines (`ledgerloop run --json`, the benchmark)."""
        return {
            "success": self.success, "seconds": round(self.seconds, 2), "run_id": self.run_id,
            "failure": self.failure, "ingest": self.ingest, "outputs": self.outputs,
            "step_seconds": self.step_seconds,
            "checks": [vars(c) for c in self.checks],
            "ledger": {"invoices": self.totals[0] if self.totals else 0,
                       "open": self.totals[1] if self.totals else 0},
            "open_by_bucket": [
                {"currency": c, "bucket": b, "invoices": n, "balance": str(v)}
                for c, b, n, v in self.buckets
            ],
            "quarantined_rows": self.quarantined_total,
            "payment_queue": None if self.payment_queue is None else [
                {"currency": c, "payments": n, "unapplied": str(v)} for c, n, v in self.payment_queue
            ],
        }

    def report(self) -> str:
        lines = [f"ledgerloop run {self.run_id[:8]}: {'succeeded' if self.success else 'FAILED'} "
                 f"in {self.seconds:.1f} s"]
        if self.failure:
            lines.append(f"  error: {self.failure}")
        lines += self._attention()
        lines.append("files")
        for source in INBOUND_FILE_ASSETS:
            meta = self.ingest.get(source, {})
            not_receipts = (f", not receipts {meta['rows_not_receipts']:,}"
                            if "rows_not_receipts" in meta else "")
            lines.append(
                f"  {source:<23} {meta.get('files_processed', 0)} new file(s), "
                f"{meta.get('files_skipped_as_duplicates', 0)} already seen, "
                f"{meta.get('files_rejected', 0)} rejected; rows read {meta.get('rows_read', 0):,}, "
                f"loaded {meta.get('rows_loaded', 0):,}{not_receipts}, "
                f"quarantined {meta.get('rows_quarantined', 0):,}"
            )
            lines += [f"    rejected: {line}" for line in _lines(meta.get("rejected_files"))]
            lines += [f"    still being written, left for the next run: {name}"
                      for name in _lines(meta.get("waiting_files"))]
        if DIRECTOR_UPDATES in self.ingest:
            lines.append(f"  {DIRECTOR_UPDATES:<23} {self.ingest[DIRECTOR_UPDATES]['updates_loaded']:,} "
                         "new director update(s) from the portal")
        if COLLECTOR_ENTRIES in self.ingest:
            loaded = self.ingest[COLLECTOR_ENTRIES].get("entries_loaded", 0)
            lines.append(f"  {COLLECTOR_ENTRIES:<23} {loaded:,} new collector entr(ies) from the workbench")
        if self.totals:
            invoices, open_invoices, currencies = self.totals
            lines.append(f"ledger: {invoices:,} invoices, {open_invoices:,} open ({currencies})")
        for currency, bucket, count, balance in self.buckets:
            lines.append(f"  {currency} {bucket:<8} {count:>10,} invoices {balance:>18,.2f}")
        lines += self._payment_queue_lines()
        if self.step_seconds:
            lines.append("steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.step_seconds.items()))
        passed = sum(c.passed for c in self.checks)
        lines.append(f"checks: {passed} passed, {len(self.checks) - passed} failed")
        for check in self.checks:
            if not check.passed:
                lines.append(f"  FAILED ({check.severity.lower()}): {check.name}")
        if self.settings:
            home = self.settings.home
            lines += [
                "outputs",
                f"  warehouse   {self.settings.warehouse_path} (schemas marts, quarantine, raw)",
                f"  quarantine  {self.quarantined_total:,} rows in quarantine.rejected_rows",
                f"  archive     {self.settings.archive_dir}",
                f"  drafts      {home / 'outbox' / 'drafts'} (ledgerloop drafts list)",
                f"  worklists   {self.settings.exports_dir / 'worklists'}",
                *self._people_outputs(),
                f"  runs        Dagster instance {home / 'dagster'} (ledgerloop serve shows them)",
            ]
        return "\n".join(lines)


    def _attention(self) -> list[str]:
        """Failed checks that explain themselves (e.g. why so many rows were quarantined), first."""
        explained = [c for c in self.checks if not c.passed and c.detail]
        if not explained:
            return []
        return ["needs attention", *(f"  {line}" for c in explained for line in c.detail.splitlines())]

    def _payment_queue_lines(self) -> list[str]:
        """Payments waiting for a person, so that unapplied cash is never out of sight."""
        if self.payment_queue is None:
            return []
        if not self.payment_queue:
            return ["payment queue: empty"]
        waiting = sum(count for _, count, _ in self.payment_queue)
        return [
            f"payment queue: {waiting:,} payment(s) with cash not applied "
            "(ledgerloop payments resolve|unapply)",
            *(f"  {currency} {count:>10,} payment(s) {unapplied:>18,.2f}"
              for currency, count, unapplied in self.payment_queue),
        ]

    def _people_outputs(self) -> list[str]:
        """What the run drafted and wrote for people, from its assets' metadata."""
        lines = []
        if alerts := self.outputs.get("outbox/alert_drafts"):
            lines.append(f"  alerts      {alerts.get('alerts_raised_today', 0):,} raised today, "
                         f"{self._alert_emails(alerts):,} email draft(s) to their owners")
        if dunning := self.outputs.get("outbox/dunning_drafts"):
            lines.append(
                f"  dunning     {dunning.get('notices', 0):,} notice(s), "
                f"{dunning.get('call_tasks', 0):,} call task(s), "
                f"{dunning.get('escalations', 0):,} escalation(s) in {dunning.get('outbox')}"
            )
            held = dunning.get("held_by_reason") or {}
            waiting = {
                "the day's payment files": held.get("payment_files_not_in", 0),
                "cash not yet applied": held.get("unapplied_cash", 0),
            }
            if any(waiting.values()):
                lines.append("              waiting for cash: " + ", ".join(
                    f"{count:,} for {what}" for what, count in waiting.items() if count
                ) + " (ledgerloop dunning preview says why)")
        if summary := self.outputs.get("exports/manager_summary"):
            lines.append(f"  manager     {summary.get('path')}")
        if statements := self.outputs.get("exports/statements"):
            folder = statements.get("folder")
            lines.append(f"  statements  {statements.get('accounts', 0):,} account(s) in {folder}")
        return lines


    def _alert_emails(self, alerts: dict) -> int:
        """The day's alert emails that exist after the whole run (not what was once written)."""
        from pathlib import Path

        from notifications.outbox import Outbox
        from orchestration.outreach.alerts import alert_emails

        day = alerts.get("as_of") or Path(str(alerts.get("folder", ""))).name
        if self.settings is None or not day:
            return 0
        return len(alert_emails(Outbox(self.settings.home / "outbox"), dt.date.fromisoformat(str(day))))


def run_pipeline(settings: Settings, as_of: dt.date | None) -> RunOutcome:
    """Materialize every asset and check once, in this process."""
    prepare_dagster_home(settings.dagster_home)
    from orchestration.transform.project import prepare_manifest

    prepare_manifest()
    import dagster as dg

    from orchestration.definitions import defs

    started = time.monotonic()
    config = {"home": str(settings.home), "config_path": str(settings.config_path)}
    if as_of:
        config["as_of"] = as_of.isoformat()
    instance = dg.DagsterInstance.get()
    result = defs.resolve_job_def("refresh_ledger_job").execute_in_process(
        instance=instance,
        run_config={
            "resources": {"ledgerloop": {"config": config}},
            "loggers": {"console": {"config": {"log_level": "INFO"}}},
        },
        raise_on_error=False,
    )
    outcome = RunOutcome(success=result.success, seconds=time.monotonic() - started,
                         run_id=result.run_id, settings=settings)
    for stats in instance.get_run_step_stats(result.run_id):
        if stats.start_time and stats.end_time:
            outcome.step_seconds[stats.step_key] = stats.end_time - stats.start_time
    for event in result.all_events:
        if event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            key = materialization.asset_key.to_user_string()
            if key in (*INBOUND_FILE_ASSETS, DIRECTOR_UPDATES, COLLECTOR_ENTRIES):
                outcome.ingest[key] = {k: v.value for k, v in materialization.metadata.items()}
            elif key in PEOPLE_OUTPUTS:
                outcome.outputs[key] = {k: v.value for k, v in materialization.metadata.items()}
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            detail = evaluation.metadata.get("summary")
            outcome.checks.append(CheckLine(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                evaluation.passed, evaluation.severity.value, detail.value if detail else None,
            ))
        elif event.is_step_failure:
            outcome.failure = event.step_failure_data.error.message.strip().splitlines()[0]
    if outcome.blocking_failures:
        outcome.success = False
    read_warehouse_totals(outcome, settings)
    return outcome


def _lines(text: str | None) -> list[str]:
    return [line for line in (text or "").splitlines() if line]


def _has_mart(con, table: str) -> bool:
    return con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [table]
    ).fetchone()[0] > 0


def read_warehouse_totals(outcome: RunOutcome, settings: Settings) -> None:
    """The summary's numbers from the warehouse: quarantine, ledger, the payment queue."""
    if not settings.warehouse_path.exists():
        return
    with connect(settings.warehouse_path, read_only=True) as con:
        outcome.quarantined_total = con.execute(
            "select count(*) from quarantine.rejected_rows"
        ).fetchone()[0]
        if _has_mart(con, "reconciliation_exceptions"):
            outcome.payment_queue = con.execute(
                "select coalesce(currency, 'n/a'), count(*), sum(unapplied_amount) "
                "from marts.reconciliation_exceptions group by all order by 1"
            ).fetchall()
        if not _has_mart(con, "ar_ledger"):
            return
        outcome.totals = con.execute(
            "select count(*), count(*) filter (where status = 'open'), "
            "coalesce(string_agg(distinct currency, ', ' order by currency), '') from marts.ar_ledger"
        ).fetchone()
        outcome.buckets = con.execute(
            "select coalesce(currency, 'n/a'), aging_bucket, count(*), sum(balance) "
            "from marts.ar_ledger where status = 'open' group by all order by 1, min(days_past_due)"
        ).fetchall()
