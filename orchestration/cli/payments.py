"""`ledgerloop payments resolve|unapply`: decide what cash application could not.

Decisions are appended to the decisions file and take effect on the next run; the warehouse
is not opened (a run may hold it locked).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from orchestration.cash.decisions import (
    DecisionError,
    append_decision,
    decisions_path,
    make_decision,
    parse_invoice_choice,
)
from orchestration.cli.support import home_option, settings_for
from orchestration.runtime import now_utc


def _home(home: str | None) -> Path:
    return settings_for(home).home


def _record(home: str | None, payment_id: str, action, invoices, decided_by: str | None) -> None:
    try:
        choices = tuple(parse_invoice_choice(text) for text in invoices)
        decision = make_decision(payment_id, action, choices, decided_by or getpass.getuser(), now_utc())
    except DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    path = decisions_path(_home(home))
    append_decision(path, decision)
    _audit(home, decision)
    what = ", ".join(str(c) for c in decision.invoices) or "nothing (back to the exception queue)"
    click.echo(
        f"decision {decision.decision_id} by {decision.decided_by}: payment {decision.payment_id} "
        f"-> {what}\nrecorded in {path}; it takes effect on the next run"
    )


def _audit(home: str | None, decision) -> None:
    """A manual match (or its undoing) in the append-only audit log: who placed which payment where."""
    from orchestration.outreach.portal_store import open_store
    from portal.store import audit_log

    with open_store(_home(home)) as store:
        detail = {"decision_id": decision.decision_id, "invoices": [str(c) for c in decision.invoices]}
        action = f"payment.{decision.action}"
        audit_log.record(store, decision.decided_by, action, decision.payment_id, detail)


@click.group("payments")
def payments() -> None:
    """Cash application: place payments by hand, or take placements back."""


@payments.command("resolve")
@click.argument("payment_id")
@click.argument("invoices", nargs=-1, required=True)
@click.option("--by", "decided_by", default=None, help="Who decides (default: your user name).")
@home_option
def resolve(payment_id: str, invoices: tuple[str, ...], decided_by: str | None, home: str | None) -> None:
    """Apply PAYMENT_ID to INVOICE[=AMOUNT] ... (OFFICE:NUMBER or a number in any spelling;
    without an amount, the invoice's open balance as far as the payment reaches). Overrides
    the rules for this payment on every later run and teaches the payer's account; what the
    named invoices do not take stays unapplied by your decision, off the exception queue."""
    _record(home, payment_id, "resolve", invoices, decided_by)


@payments.command("unapply")
@click.argument("payment_id")
@click.option("--by", "decided_by", default=None, help="Who decides (default: your user name).")
@home_option
def unapply(payment_id: str, decided_by: str | None, home: str | None) -> None:
    """Take back every application of PAYMENT_ID (automatic or manual) and keep it in the
    exception queue until a later `resolve`."""
    _record(home, payment_id, "unapply", (), decided_by)
