"""What `ledgerloop run` tells the person waiting for it, from its first second.

One line per finished step with what it did, a status line kept current on a terminal, and on a
pipe or a log file a "still ..." line when a step runs long, all on stderr so that stdout holds
only the summary (`--json` stays one JSON document). Pure Python: the runner turns Dagster's
events into `StepEvent`s, so this module is tested without Dagster.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from orchestration.cli.working import CLEAR as _CLEAR
from orchestration.cli.working import stamp, written

# What each step does (or, for a dbt model that checks run on, what it is), in the words of the
# people who wait for it. A step missing here shows the first clause of its asset's description.
STEP_LABELS = {
    "dagster__check_failures": "Noting checks that failed in earlier runs",
    "salesforce__invoices": "Salesforce invoices",
    "tracker__invoices": "Collections tracker",
    "payments__transactions": "Bank payment files",
    "history__invoices": "Invoice history from other systems",
    "payments__decisions": "Cash decisions (`ledgerloop payments`, remittance advices)",
    "contacts__account_contacts": "Customer contacts",
    "documents__invoice_documents": "Invoice copies",
    "portal__director_updates": "Directors' answers from the portal",
    "portal__collector_entries": "Collectors' entries from the workbench",
    "ledgerloop_dbt_models": "Building the ledger, cash application, worklists and risk (dbt)",
    "exports__worklists": "Writing each collector's worklist",
    "exports__manager_summary": "Writing the manager summary",
    "exports__statements": "Writing customer statements",
    "outbox__alert_drafts": "Drafting alert emails",
    "outbox__dunning_drafts": "Drafting dunning notices",
    "outbox__director_drafts": "Drafting emails to directors",
    "portal__director_jobs": "Publishing directors' questions to the portal",
    "portal__collector_worklists": "Publishing worklists to the workbench",
    "portal__customer_accounts": "Publishing customers' accounts to the customer door",
    "cash__remittance_decisions": "Placing payments that customers' remittance advices name",
    "marts__ar_ledger": "The AR ledger",
}
HEARTBEAT_SECONDS = 15.0  # on a pipe: a "still ..." line after this long without output


@dataclass(frozen=True)
class StepPlan:
    label: str
    expected: int = 1  # assets and checks the step reports (dbt: every model and test)


@dataclass(frozen=True)
class StepEvent:
    """One thing a step reported: kind is start, success, failure, skipped, materialized or checked."""

    kind: str
    step: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    passed: bool = True
    blocking: bool = False
    message: str = ""
    at: float | None = None  # when Dagster recorded it (epoch seconds), when known


@dataclass
class _Running:
    plan: StepPlan
    started: float
    number: int
    started_at: float | None = None  # Dagster's time of the start, when known
    materialized: int = 0
    checked: int = 0
    failed_checks: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


class RunProgress:
    """Progress lines on `stream` (None: silent). `live` (default: the stream is a terminal) keeps
    a status line at the bottom; otherwise a long step says it is still working."""

    def __init__(self, stream: TextIO | None, *, live: bool | None = None,
                 clock: Callable[[], float] = time.monotonic, heartbeat: float = HEARTBEAT_SECONDS):
        self._stream = stream
        self._live = bool(stream and (stream.isatty() if live is None else live))
        self._clock = clock
        self._heartbeat = heartbeat
        self._started = clock()
        self._last_output = self._started
        self._activity = ""
        self._activity_since = self._started
        self._plan: Mapping[str, StepPlan] = {}
        self._running: dict[str, _Running] = {}
        self._finished = 0
        self._skipped = 0
        self._ended: set[str] = set()  # steps whose end was heard
        self._unheard: list[str] = []  # why events could not be shown
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # what the runner calls ---------------------------------------------------------------
    def elapsed(self) -> float:
        """Seconds since the command started (what the summary's "finished in" says)."""
        return self._clock() - self._started

    def say(self, text: str) -> None:
        """A line, stamped with the time since the command started."""
        with self._lock:
            self._write(f"{self._stamp()} {text}\n")
            self._draw_status()

    def phase(self, text: str) -> None:
        """A line saying what happens now; long phases are kept visibly alive."""
        with self._lock:
            self._activity, self._activity_since = text, self._clock()
        self.say(f"{text} ...")
        self._start_ticker()

    def start(self, plan: Mapping[str, StepPlan]) -> None:
        """The run's steps are known: say how many."""
        with self._lock:
            self._plan = plan
        self.say(f"Running {len(plan)} steps")
        self.phase("Dagster records the run's plan")

    def event(self, event: StepEvent) -> None:
        with self._lock:
            handler = getattr(self, f"_on_{event.kind}", None)
            if handler:
                handler(event)
            self._draw_status()

    def unheard(self, error: BaseException) -> None:
        """An event the listener could not show; said once at close, never raised into the run."""
        with self._lock:
            self._unheard.append(f"{type(error).__name__}: {error}")

    def catch_up(self, events: Iterable[StepEvent]) -> None:
        """Every event of the finished run, from Dagster's log: a step whose end was not heard
        live still gets its line, so the lines always account for every step."""
        with self._lock:
            ended = set(self._ended)
            for event in events:
                if event.step not in ended:
                    self.event(event)

    def close(self) -> None:
        """Stop the status line and the ticker; the summary follows on stdout."""
        self._stop.set()
        if self._ticker:
            self._ticker.join(timeout=2)
        with self._lock:
            if self._live:
                self._write(_CLEAR, newline=False)
            if self._unheard:
                self._write(f"{self._stamp()} {plural(len(self._unheard), 'event')} could not be shown "
                            f"live ({self._unheard[0]})\n")
                self._unheard = []
            if self._skipped:
                self._write(f"{self._stamp()} {self._skipped} step(s) not run because a step before "
                            "them failed\n")
                self._skipped = 0
            self._activity = ""

    # events --------------------------------------------------------------------------------
    def _on_start(self, event: StepEvent) -> None:
        plan = self._plan.get(event.step) or StepPlan(STEP_LABELS.get(event.step, event.step))
        self._running[event.step] = _Running(plan, self._clock(), self._finished + 1, event.at)

    def _on_materialized(self, event: StepEvent) -> None:
        if running := self._running.get(event.step):
            running.materialized += 1
            running.metadata.update(event.metadata)

    def _on_checked(self, event: StepEvent) -> None:
        if running := self._running.get(event.step):
            running.checked += 1
            if not event.passed:
                kind = "blocking" if event.blocking else "warning"
                running.failed_checks.append(f"{event.message} ({kind})")

    def _on_success(self, event: StepEvent) -> None:
        running = self._finish(event.step)
        if running is None:
            return
        facts = step_facts(running.plan, running.metadata, running.materialized, running.checked,
                           len(running.failed_checks))
        if running.started_at is not None and event.at is not None:
            seconds = event.at - running.started_at
        else:
            seconds = self._clock() - running.started
        self._step_line(running, f"{running.plan.label}{': ' + facts if facts else ''} ({seconds:.1f} s)")
        for failed in running.failed_checks:
            self._write(f"{'':>8} check failed: {failed}\n")

    def _on_failure(self, event: StepEvent) -> None:
        running = self._finish(event.step)
        if running is not None:
            self._step_line(running, f"FAILED {running.plan.label}: {event.message}")

    def _on_skipped(self, event: StepEvent) -> None:
        self._ended.add(event.step)
        self._finished += 1
        self._skipped += 1

    def _finish(self, step: str) -> _Running | None:
        """The step's record, counted as finished; None (not counted) when its start was not heard."""
        running = self._running.pop(step, None)
        if running is not None:
            self._ended.add(step)
            self._finished += 1
        return running

    def _step_line(self, running: _Running, text: str) -> None:
        total = len(self._plan) or "?"
        self._write(f"{self._stamp()} {running.number:>2}/{total} {text}\n")

    # output --------------------------------------------------------------------------------
    def _stamp(self) -> str:
        return stamp(self._clock() - self._started)

    def _doing(self) -> str:
        """What is happening now, with the count of a long step's models and tests."""
        if self._running:
            running = next(iter(self._running.values()))
            done = running.materialized + running.checked
            count = (f": {done} of {running.plan.expected} done"
                     if running.plan.expected > 1 and done else "")
            return f"{running.plan.label}{count}", running.started
        return self._activity, self._activity_since

    def _draw_status(self) -> None:
        if not self._live:
            return
        doing, since = self._doing()
        if doing:
            total = len(self._plan)
            steps = f"step {self._finished + 1}/{total} " if total else ""
            elapsed = int(self._clock() - since)
            status = f"{self._stamp()} {steps}{doing} ({elapsed} s)"
            width = shutil.get_terminal_size().columns - 1
            self._write(_CLEAR + status[:width], newline=False)

    def _tick(self) -> None:
        """Every second: redraw the status line, or on a pipe say a long step is still going."""
        while not self._stop.wait(1.0):
            with self._lock:
                if self._live:
                    self._draw_status()
                    continue
                doing, since = self._doing()
                now = self._clock()
                quiet_for = now - max(self._last_output, since)
                if doing and quiet_for >= self._heartbeat:
                    self._write(f"{self._stamp()} ... still working: {doing} ({int(now - since)} s)\n")

    def _start_ticker(self) -> None:
        if self._stream is None or self._ticker is not None:
            return
        self._ticker = threading.Thread(target=self._tick, name="ledgerloop-progress", daemon=True)
        self._ticker.start()

    def _write(self, text: str, *, newline: bool = True) -> None:
        if self._stream is None:
            return
        if self._live and newline and not text.startswith(_CLEAR):
            text = _CLEAR + text
        if not written(self._stream, text):
            self._stream = None
        if newline:
            self._last_output = self._clock()


def _files_read_whole(metadata: Mapping[str, Any]) -> str | None:
    """What the people's own files held (contacts, invoice copies, cash decisions): read whole on
    every run, so no count of new files would be true."""
    if "contacts" in metadata:
        if not metadata.get("file_found"):
            return "no file"
        return f"{plural(metadata['contacts'], 'contact')} on file"
    if "servable" in metadata:
        refused = f", {metadata['refused']:,} refused" if metadata.get("refused") else ""
        return f"{plural(metadata['files'], 'copy', 'copies')} on file{refused}"
    if "decisions" in metadata:
        return f"{plural(metadata['decisions'], 'decision')} on file"
    return None


def step_facts(plan: StepPlan, metadata: Mapping[str, Any], materialized: int, checked: int,
               failed: int) -> str:
    """What a finished step did, in a few words (files and rows for intake, counts for dbt)."""
    if metadata.get("note"):
        return str(metadata["note"])
    if (on_file := _files_read_whole(metadata)) is not None:
        return on_file
    if "rows_loaded" in metadata:
        facts = (f"{plural(metadata.get('files_processed', 0), 'new file')}, "
                 f"{plural(metadata['rows_loaded'], 'row')} taken in")
        if metadata.get("rows_quarantined"):
            facts += f", {metadata['rows_quarantined']:,} set aside"
        return facts
    for key in ("updates_loaded", "entries_loaded"):
        if key in metadata:
            return f"{metadata[key]:,} new"
    if plan.expected > 1:
        tests = f"{plural(checked - failed, 'test')} passed" + (f", {failed:,} failed" if failed else "")
        return f"{plural(materialized, 'table')} built, {tests}"
    if checked and not materialized:
        return "passed" if not failed else "check FAILED"
    return ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 new file`, `6 new files`."""
    return f"{count:,} {singular if count == 1 else plural_form or singular + 's'}"
