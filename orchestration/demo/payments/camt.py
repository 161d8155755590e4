"""The GBP account's ISO 20022 camt.053.001.02 statement, in booking order: single and batched
credits, a credit that the bank reverses two days later, and a few debits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from orchestration.demo import names
from orchestration.demo.formats import decimal_text
from orchestration.demo.model import World
from orchestration.demo.payments.plan import STATEMENT_DAYS, Draft
from orchestration.demo.payments.results import PaymentsResult, record
from orchestration.demo.records import NonPayment

CAMT_IBAN = "GB29NWBK60161331926819"


@dataclass
class _Entry:
    """One camt `Ntry`: a booking of one or more transactions on one day."""

    day: int
    direction: str
    txs: list[Draft]
    kind: str
    reverses: _Entry | None = None
    domain: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT")
    """ISO bank transaction code: domain, family, sub-family."""
    ref: str = ""


def write_camt(
    world: World,
    path: Path,
    drafts: list[Draft],
    reversed_credit: Draft | None,
    rng,
    result: PaymentsResult,
) -> None:
    """A camt.053.001.02 statement in booking order: single and batched credits, a credit
    that the bank reverses two days later, and a few debits."""
    _structure_references(drafts, rng)
    entries = [*_receipts(drafts, rng), *_reversal(reversed_credit), *_debits(rng)]
    entries.sort(key=lambda e: e.day)
    for seq, entry in enumerate(entries, 1):
        entry.ref = f"{world.as_of + dt.timedelta(days=entry.day):%Y%m%d}{seq:08d}"
    body, net = [], 0
    for entry in entries:
        cents = sum(d.cents for d in entry.txs)
        net += cents if entry.direction == "CRDT" else -cents
        body.append(_book(world, entry, cents, path, result))
    first_day = world.as_of - dt.timedelta(days=STATEMENT_DAYS)
    last_day = world.as_of - dt.timedelta(days=1)
    opening = int(rng.integers(10_000_000, 90_000_000))
    path.write_text(
        _document(world, first_day, last_day, opening, opening + net, body), encoding="utf-8"
    )


def _structure_references(drafts: list[Draft], rng) -> None:
    """Some full payments carry the invoice as a structured creditor reference (at least one
    does), their free text then blank or a courtesy line."""
    for draft in drafts:
        first = not any(d.structured for d in drafts)
        if draft.scenario == "full" and (first or rng.random() < 0.4):
            draft.structured = draft.reference
            draft.reference = "" if rng.random() < 0.5 else "PAYMENT THANK YOU"


def _receipts(drafts: list[Draft], rng) -> list[_Entry]:
    """The receipts in day order, one entry each or batched two or three to an entry booked on
    the batch's first day (at least one batch)."""
    entries: list[_Entry] = []
    queue = sorted(drafts, key=lambda d: d.day)
    while queue:
        batched = rng.random() < 0.15 or not any(len(e.txs) > 1 for e in entries)
        size = int(rng.integers(2, 4)) if batched else 1
        batch = queue[:size]
        for draft in batch:
            draft.day = batch[0].day
        entries.append(_Entry(batch[0].day, "CRDT", batch, "receipt"))
        queue = queue[len(batch) :]
    return entries


def _reversal(reversed_credit: Draft | None) -> list[_Entry]:
    """A credit early in the week and its return two days later (so it pays nothing)."""
    if reversed_credit is None:
        return []
    original = _Entry(-STATEMENT_DAYS + 1, "CRDT", [reversed_credit], "reversed credit")
    returned = _Entry(
        original.day + 2, "DBIT", [reversed_credit], "reversal", original, ("PMNT", "RCDT", "RRTN")
    )
    return [original, returned]


def _debits(rng) -> list[_Entry]:
    """The bank's charges and a supplier payment."""
    entries = []
    for label, cents, domain in (
        ("BANK CHARGES", rng.integers(1_000, 4_000), ("ACMT", "MDOP", "CHRG")),
        ("SUPPLIER PAYMENT", rng.integers(200_000, 2_000_000), ("PMNT", "ICDT", "ESCT")),
    ):
        debit = Draft("debit", "GBP", 0, int(cents), "", label, [])
        entries.append(
            _Entry(-int(rng.integers(1, STATEMENT_DAYS + 1)), "DBIT", [debit], "debit", domain=domain)
        )
    return entries


def _book(world: World, entry: _Entry, cents: int, path: Path, result: PaymentsResult) -> str:
    """The entry's XML; its receipts recorded as payments, anything else as a non-payment."""
    if entry.kind == "receipt":
        tx_ref = entry.ref if len(entry.txs) == 1 else ""
        txs = [_tx(d, tx_ref) for d in entry.txs]
        for index, draft in enumerate(entry.txs, 1):
            record(world, result, draft, entry.ref, index, path)
    elif entry.kind == "reversal":
        txs = [_tx(entry.txs[0], entry.reverses.ref, info="RETURN OF PAYMENT - ACCOUNT CLOSED")]
    else:
        txs = [_tx(entry.txs[0], entry.ref if entry.kind == "reversed credit" else "")]
    if entry.kind != "receipt":
        signed = decimal_text(cents if entry.direction == "CRDT" else -cents)
        result.non_payments.append(NonPayment(entry.ref, signed, "GBP", path.name, entry.kind))
    return _entry(entry, cents, world.as_of + dt.timedelta(days=entry.day), txs)


def _tx(draft: Draft, ref: str, info: str = "") -> str:
    refs = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    remittance = f"<Ustrd>{escape(draft.reference)}</Ustrd>" if draft.reference else ""
    if draft.structured:
        remittance += f"<Strd><CdtrRefInf><Ref>{escape(draft.structured)}</Ref></CdtrRefInf></Strd>"
    return (
        f"<TxDtls><Refs>{refs}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="{draft.currency}">{decimal_text(draft.cents)}</Amt></TxAmt>'
        "</AmtDtls>"
        + (
            f"<RltdPties><Dbtr><Nm>{escape(draft.payer)}</Nm></Dbtr></RltdPties>"
            if draft.payer
            else ""
        )
        + (f"<RmtInf>{remittance}</RmtInf>" if remittance else "")
        + (f"<AddtlTxInf>{escape(info)}</AddtlTxInf>" if info else "")
        + "</TxDtls>"
    )


def _entry(entry: _Entry, cents: int, day: dt.date, txs: list[str]) -> str:
    domain, batch = entry.domain, len(entry.txs)
    return (
        f'<Ntry><Amt Ccy="GBP">{decimal_text(cents)}</Amt><CdtDbtInd>{entry.direction}</CdtDbtInd>'
        + ("<RvslInd>true</RvslInd>" if entry.kind == "reversal" else "")
        + f"<Sts>BOOK</Sts><BookgDt><Dt>{day.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{entry.ref}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{domain[0]}</Cd><Fmly><Cd>{domain[1]}</Cd><SubFmlyCd>{domain[2]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        "<NtryDtls>"
        + (f"<Btch><NbOfTxs>{batch}</NbOfTxs></Btch>" if batch > 1 else "")
        + "".join(txs)
        + "</NtryDtls></Ntry>"
    )


def _document(
    world: World, first_day, last_day, opening: int, closing: int, entries: list[str]
) -> str:
    created = f"{world.as_of.isoformat()}T06:00:00"
    stamp = f"{last_day:%Y%m%d}"

    def balance(code: str, cents: int, day: dt.date) -> str:
        direction = "CRDT" if cents >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="GBP">{decimal_text(abs(cents))}</Amt>'
            f"<CdtDbtInd>{direction}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"<BkToCstmrStmt><GrpHdr><MsgId>STMT{stamp}GBP</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>{stamp}-GBP-001</Id><ElctrncSeqNb>{last_day.timetuple().tm_yday}</ElctrncSeqNb>"
        f"<CreDtTm>{created}</CreDtTm>"
        f"<FrToDt><FrDtTm>{first_day.isoformat()}T00:00:00</FrDtTm><ToDtTm>{last_day.isoformat()}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{CAMT_IBAN}</IBAN></Id><Ccy>GBP</Ccy><Ownr><Nm>{escape(names.COMPANY)}</Nm></Ownr>"
        "<Svcr><FinInstnId><BIC>NWBKGB2L</BIC></FinInstnId></Svcr></Acct>\n"
        + balance("OPBD", opening, first_day)
        + "\n"
        + balance("CLBD", closing, last_day)
        + "\n"
        + "\n".join(entries)
        + "\n</Stmt></BkToCstmrStmt></Document>\n"
    )
