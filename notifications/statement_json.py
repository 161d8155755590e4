"""A statement as JSON and back, so a page served elsewhere (the customer portal, which never
opens the warehouse) renders the very PDF `ledgerloop statement` writes from the same values."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from notifications.statements import Bucket, HowToPay, Statement, StatementInvoice


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def dump_statement(statement: Statement) -> str:
    """The statement's values as JSON (money as exact text, dates as ISO)."""
    how = statement.how_to_pay
    return json.dumps(
        {
            "account_id": statement.account_id,
            "account_name": statement.account_name,
            "as_of": statement.as_of.isoformat(),
            "buckets": [[b.label, b.max_days] for b in statement.buckets],
            "invoices": [
                [
                    i.invoice_number,
                    i.invoice_date and i.invoice_date.isoformat(),
                    i.due_date and i.due_date.isoformat(),
                    i.currency,
                    str(i.amount),
                    str(i.balance),
                    i.office,
                ]
                for i in statement.invoices
            ],
            "how_to_pay": {
                "sender_name": how.sender_name,
                "sender_lines": list(how.sender_lines),
                "remit_to": list(how.remit_to),
                "instructions": how.instructions,
                "contact": how.contact,
            },
        },
        sort_keys=True,
    )


def load_statement(text: str) -> Statement:
    """The statement `dump_statement` wrote."""
    data = json.loads(text)
    how = data["how_to_pay"]
    return Statement(
        account_id=data["account_id"],
        account_name=data["account_name"],
        as_of=dt.date.fromisoformat(data["as_of"]),
        buckets=tuple(Bucket(label, max_days) for label, max_days in data["buckets"]),
        invoices=tuple(
            StatementInvoice(
                number, _day(issued), _day(due), currency, Decimal(amount), Decimal(balance), office
            )
            for number, issued, due, currency, amount, balance, office in data["invoices"]
        ),
        how_to_pay=HowToPay(
            sender_name=how["sender_name"],
            sender_lines=tuple(how["sender_lines"]),
            remit_to=tuple(how["remit_to"]),
            instructions=how["instructions"],
            contact=how["contact"],
        ),
    )
