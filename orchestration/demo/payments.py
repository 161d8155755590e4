"""Payment files (`landing/payments/`): a bank CSV for the USD account and an ISO 20022
camt.053.001.02 statement for the GBP account, covering the week before `as_of`.

Receipts pay invoices that are open in the newest export, the way customers really pay: in
full, in part, several invoices at once (half of those with the prefix written once:
`INV 200123, 200124`), with no reference at all, with references in any spelling, next to PO
numbers and dates that are not invoice numbers. The camt statement also batches transactions
under one entry, reverses one credit and books a few debits.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from orchestration.demo import names
from orchestration.demo.formats import decimal_text
from orchestration.demo.model import World
from orchestration.demo.records import Application, NonPayment, Receipt

SCENARIOS = ("full", "partial", "multi", "payer_only", "po_or_date", "unmatched")
SCENARIO_WEIGHTS = (0.36, 0.15, 0.12, 0.1, 0.2, 0.07)
REFERENCE_SPELLINGS = ("INV-{:08d}", "inv {}", "#{}", "INV{}", "Invoice no. {}")
JOINERS = (", ", " ", " & ", "; ", " / ")
UNKNOWN_PAYERS = (
    "J SMITH",
    "ACCOUNTS PAYABLE DEPT",
    "GLOBAL PAYMENTS LTD REF 99812",
    "Online transfer",
)
BANK_CSV_HEADER = ("Date", "Amount", "Currency", "Payer", "Reference", "Bank Transaction ID")
STATEMENT_DAYS = 7
FILE_CURRENCIES = ("USD", "GBP")
"""The bank CSV is the USD account's export; the camt.053 statement is the GBP account's."""
CAMT_IBAN = "GB29NWBK60161331926819"


@dataclass(frozen=True)
class PaymentsResult:
    files: list[Path]
    receipts: list[Receipt]
    applications: list[Application]
    non_payments: list[NonPayment]


@dataclass
class _Draft:
    """A receipt before it is placed in a file: who paid what, for which invoices."""

    scenario: str
    currency: str
    day: int
    cents: int
    payer: str
    reference: str
    paid: list[tuple[int, int]]
    structured: str = ""


def write_payments(world: World, folder: Path, rng: np.random.Generator) -> PaymentsResult:
    """Both statements, dated the day before `as_of`, and what each receipt must pay."""
    folder.mkdir(parents=True, exist_ok=True)
    statement_day = world.as_of - dt.timedelta(days=1)
    drafts, reversed_credit = _Planner(world, rng).drafts()
    by_currency = {c: [d for d in drafts if d.currency == c] for c in FILE_CURRENCIES}
    csv_path = folder / f"bank_statement_{statement_day.isoformat()}.csv"
    camt_path = folder / f"camt053_{statement_day.isoformat()}.xml"
    result = PaymentsResult([csv_path, camt_path], [], [], [])
    _write_bank_csv(world, csv_path, by_currency["USD"], rng, result)
    _write_camt(world, camt_path, by_currency["GBP"], reversed_credit, rng, result)
    return result


class _Planner:
    """Chooses which open invoices get paid and how; each invoice is paid at most once so that
    no invoice can receive more than its open balance."""

    def __init__(self, world: World, rng: np.random.Generator):
        self.world, self.rng = world, rng
        shared = np.intersect1d(world.number[world.office == 0], world.number[world.office != 0])
        is_open = world.balance > 0
        eligible = rng.permutation(np.flatnonzero(is_open & ~np.isin(world.number, shared)))
        self.pools = {
            code: eligible[world.currency[eligible] == c].tolist()
            for c, code in enumerate(world.currencies)
        }
        self.eligible = set(eligible.tolist())
        self.used: set[int] = set()
        self.open_by_account: dict[int, list[int]] = {}
        for inv, account in zip(
            np.flatnonzero(is_open).tolist(), world.account[is_open].tolist(), strict=True
        ):
            self.open_by_account.setdefault(account, []).append(inv)

    def drafts(self) -> tuple[list[_Draft], _Draft | None]:
        """Receipts in every scenario for each currency's file, in proportion to its open
        invoices, and one more GBP credit that the bank will reverse (so it pays nothing)."""
        reversed_credit = self._draft("full", "GBP")
        total = int(np.clip(len(self.world.number) // 100, 30, 10_000))
        drafts = []
        for currency in FILE_CURRENCIES:
            share = len(self.pools[currency]) / max(1, len(self.eligible))
            kinds = self.rng.choice(
                len(SCENARIOS), max(2 * len(SCENARIOS), round(total * share)), p=SCENARIO_WEIGHTS
            )
            kinds[: len(SCENARIOS)] = np.arange(len(SCENARIOS))
            drafts += [self._draft(SCENARIOS[k], currency) for k in kinds.tolist()]
        return [d for d in drafts if d is not None], reversed_credit

    def _take(self, currency: str) -> int | None:
        pool = self.pools[currency]
        while pool:
            inv = pool.pop()
            if inv not in self.used:
                self.used.add(inv)
                return inv
        return None

    def _draft(self, scenario: str, currency: str) -> _Draft | None:
        w, rng = self.world, self.rng
        day = -int(rng.integers(1, STATEMENT_DAYS + 1))
        if scenario == "unmatched":
            cents = int(rng.integers(5_000, 500_000))
            payer = UNKNOWN_PAYERS[rng.integers(len(UNKNOWN_PAYERS))]
            return _Draft(scenario, currency, day, cents, payer, "", [])
        inv = self._take(currency)
        if inv is None:
            return None
        invoices = [inv]
        if scenario == "multi":
            siblings = [
                i
                for i in self.open_by_account[int(w.account[inv])]
                if i in self.eligible and i not in self.used and w.currency[i] == w.currency[inv]
            ]
            invoices += siblings[: int(rng.integers(1, 3))]
            self.used.update(invoices)
            if len(invoices) == 1:
                scenario = "full"
        elif scenario == "payer_only" and self._ambiguous(inv):
            scenario = "full"
        balances = [int(w.balance[i]) for i in invoices]
        paid = list(zip(invoices, balances, strict=True))
        if scenario == "partial":
            part = max(1, int(balances[0] * rng.uniform(0.2, 0.8)))
            paid = [(inv, part)]
        refs = [self._spell(i) for i in invoices]
        joiner = JOINERS[rng.integers(len(JOINERS))]
        if scenario == "multi" and w.number[inv] % 2 == 0:
            refs, joiner = self._prefix_once(invoices, refs[0], joiner)
        reference = {
            "payer_only": "",
            "po_or_date": self._with_noise(refs[0]),
        }.get(scenario, joiner.join(refs))
        return _Draft(
            scenario,
            currency,
            day,
            sum(c for _, c in paid),
            self._payer(int(w.account[inv])),
            reference,
            paid,
        )

    def _ambiguous(self, inv: int) -> bool:
        """A payer-only receipt is placeable only if no other open invoice of the payer has
        the same balance."""
        w = self.world
        same = [
            i for i in self.open_by_account[int(w.account[inv])] if w.balance[i] == w.balance[inv]
        ]
        return len(same) > 1

    def _spell(self, inv: int) -> str:
        return REFERENCE_SPELLINGS[self.rng.integers(len(REFERENCE_SPELLINGS))].format(
            int(self.world.number[inv])
        )

    def _prefix_once(self, invoices: list[int], first: str, joiner: str) -> tuple[list[str], str]:
        """Half the customers paying several invoices write the prefix once (`INV-00200123,
        200124`), joined by a list separator (decided by the first invoice's number, so the
        random stream stays as it was)."""
        bare = [str(int(self.world.number[i])) for i in invoices[1:]]
        return [first, *bare], joiner if joiner.strip() else ", "

    def _with_noise(self, ref: str) -> str:
        """A reference next to a PO number or a date: neither is an invoice number. PO numbers
        come from 100000-199999, a range no invoice uses (see `billing._invoice_numbers`)."""
        rng = self.rng
        po = int(rng.integers(100_000, 200_000))
        day = self.world.as_of - dt.timedelta(days=int(rng.integers(3, 40)))
        return (
            f"{ref} PO {po}",
            f"PO#{po} {ref}",
            f"{ref} PO 45000{po}",
            f"{ref} paid {day.month:02d}/{day.day:02d}/{day.year}",
            f"Payment {day.isoformat()} {ref}",
            f"{ref} {day.day:02d}.{day.month:02d}.{day.year} PO-{po}",
        )[rng.integers(6)]

    def _payer(self, account: int) -> str:
        """Banks print the payer as the payer's bank has it: often capitals, punctuation gone."""
        name = self.world.account_name[account]
        roll = self.rng.random()
        if roll < 0.4:
            return name
        if roll < 0.75:
            return name.upper()
        return "".join(ch for ch in name.upper() if ch.isalnum() or ch == " ")[:35].strip()


def _record(
    world: World, result: PaymentsResult, draft: _Draft, txn_id: str, tx_index: int, path: Path
):
    result.receipts.append(
        Receipt(
            txn_id,
            tx_index,
            (world.as_of + dt.timedelta(days=draft.day)).isoformat(),
            decimal_text(draft.cents),
            draft.currency,
            draft.payer,
            draft.reference,
            draft.structured,
            path.name,
            draft.scenario,
        )
    )
    for inv, cents in draft.paid:
        key = f"{world.offices[world.office[inv]]}:{world.number[inv]}"
        result.applications.append(Application(txn_id, tx_index, key, decimal_text(cents)))


def _write_bank_csv(
    world: World, path: Path, drafts: list[_Draft], rng, result: PaymentsResult
) -> None:
    """US-style bank export: ISO dates, plain amounts, debits negative, one id per line."""
    fees = [
        _Draft("debit", "USD", -int(rng.integers(1, STATEMENT_DAYS + 1)), -cents, "", label, [])
        for label, cents in (
            ("WIRE FEE", int(rng.integers(1_500, 5_000))),
            ("TRANSFER TO SAVINGS", int(rng.integers(100_000, 900_000))),
        )
    ]
    lines = sorted(drafts + fees, key=lambda d: d.day)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BANK_CSV_HEADER)
        for seq, draft in enumerate(lines, 1):
            day = world.as_of + dt.timedelta(days=draft.day)
            txn_id = f"TXN{day:%Y%m%d}{seq:06d}"
            writer.writerow(
                (
                    day.isoformat(),
                    decimal_text(draft.cents),
                    draft.currency,
                    draft.payer,
                    draft.reference,
                    txn_id,
                )
            )
            if draft.cents < 0:
                result.non_payments.append(
                    NonPayment(txn_id, decimal_text(draft.cents), "USD", path.name, "debit")
                )
            else:
                _record(world, result, draft, txn_id, 1, path)


@dataclass
class _Entry:
    """One camt `Ntry`: a booking of one or more transactions on one day."""

    day: int
    direction: str
    txs: list[_Draft]
    kind: str
    reverses: _Entry | None = None
    domain: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT")
    """ISO bank transaction code: domain, family, sub-family."""
    ref: str = ""


def _write_camt(
    world: World,
    path: Path,
    drafts: list[_Draft],
    reversed_credit: _Draft | None,
    rng,
    result: PaymentsResult,
) -> None:
    """A camt.053.001.02 statement in booking order: single and batched credits, a credit
    that the bank reverses two days later, and a few debits."""
    for draft in drafts:
        first = not any(d.structured for d in drafts)
        if draft.scenario == "full" and (first or rng.random() < 0.4):
            draft.structured = draft.reference
            draft.reference = "" if rng.random() < 0.5 else "PAYMENT THANK YOU"
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
    if reversed_credit is not None:
        original = _Entry(-STATEMENT_DAYS + 1, "CRDT", [reversed_credit], "reversed credit")
        entries += [
            original,
            _Entry(
                original.day + 2,
                "DBIT",
                [reversed_credit],
                "reversal",
                original,
                ("PMNT", "RCDT", "RRTN"),
            ),
        ]
    for label, cents, domain in (
        ("BANK CHARGES", rng.integers(1_000, 4_000), ("ACMT", "MDOP", "CHRG")),
        ("SUPPLIER PAYMENT", rng.integers(200_000, 2_000_000), ("PMNT", "ICDT", "ESCT")),
    ):
        debit = _Draft("debit", "GBP", 0, int(cents), "", label, [])
        entries.append(
            _Entry(
                -int(rng.integers(1, STATEMENT_DAYS + 1)), "DBIT", [debit], "debit", domain=domain
            )
        )
    entries.sort(key=lambda e: e.day)
    for seq, entry in enumerate(entries, 1):
        entry.ref = f"{world.as_of + dt.timedelta(days=entry.day):%Y%m%d}{seq:08d}"

    body, net = [], 0
    for entry in entries:
        day = world.as_of + dt.timedelta(days=entry.day)
        cents = sum(d.cents for d in entry.txs)
        net += cents if entry.direction == "CRDT" else -cents
        if entry.kind == "receipt":
            tx_ref = entry.ref if len(entry.txs) == 1 else ""
            txs = [_tx(d, tx_ref) for d in entry.txs]
            for index, draft in enumerate(entry.txs, 1):
                _record(world, result, draft, entry.ref, index, path)
        elif entry.kind == "reversal":
            txs = [_tx(entry.txs[0], entry.reverses.ref, info="RETURN OF PAYMENT - ACCOUNT CLOSED")]
        else:
            txs = [_tx(entry.txs[0], entry.ref if entry.kind == "reversed credit" else "")]
        if entry.kind != "receipt":
            signed = decimal_text(cents if entry.direction == "CRDT" else -cents)
            result.non_payments.append(NonPayment(entry.ref, signed, "GBP", path.name, entry.kind))
        body.append(_entry(entry, cents, day, txs))

    first_day = world.as_of - dt.timedelta(days=STATEMENT_DAYS)
    last_day = world.as_of - dt.timedelta(days=1)
    opening = int(rng.integers(10_000_000, 90_000_000))
    path.write_text(
        _document(world, first_day, last_day, opening, opening + net, body), encoding="utf-8"
    )


def _tx(draft: _Draft, ref: str, info: str = "") -> str:
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
