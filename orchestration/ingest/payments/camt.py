"""ISO 20022 camt.053 statements and camt.054 notifications (any version 001.02 onward).

Read as a stream (defusedxml: no entities, no DTDs, no external references) so a statement of a
million entries does not sit in memory as a tree. Only booked credits that are not reversed are
receipts; a reversal (`RvslInd` true) cancels the credit whose reference it carries.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import XMLParser

from orchestration.ingest.landing import FileRejected, LandingFile
from orchestration.ingest.payments.camt_stream import Collector, Flat
from orchestration.ingest.payments.records import ParsedFile, Rejected, Transaction

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d{2})$")
_CONTAINERS = {"053": "Stmt", "054": "Ntfctn"}
_NOT_PROVIDED = "NOTPROVIDED"


def _cents(text: str | None) -> int | None:
    try:
        value = Decimal(text or "x")
    except InvalidOperation:
        return None
    cents = value * 100
    return int(cents) if cents == cents.to_integral_value() and value >= 0 else None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def parse_camt(file: LandingFile) -> ParsedFile:
    """Every transaction of every entry; receipts, non-receipts (with the reason) and rejects."""
    reader = _Reader(file.name)
    parser = XMLParser(target=Collector(reader))
    try:
        with file.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                parser.feed(chunk)
        parser.close()
    except ParseError as exc:
        line, column = exc.position
        raise FileRejected(f"{file.name}: malformed XML at line {line}, column {column}: "
                           f"{str(exc).split(':')[0]}", row_number=line) from None
    except defusedxml.DefusedXmlException as exc:
        raise FileRejected(f"{file.name}: refused unsafe XML ({exc})") from None
    if reader.parsed is None:
        raise FileRejected(f"{file.name}: no camt document found")
    _apply_reversals(reader.parsed.transactions)
    return reader.parsed


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.parsed: ParsedFile | None = None
        self.container = ""
        self.account = ""
        self.position = 0
        self.entries = 0

    def root(self, tag: str) -> None:
        """The document element: only camt.053/054 of version 001.02 or later are read."""
        namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
        match = _NAMESPACE.match(namespace)
        if not match or int(match.group(2)) < 2:
            raise FileRejected(f"{self.name}: not a camt.053 or camt.054 document (version 001.02 "
                               f"or later); its namespace is {namespace or 'missing'!r}")
        self.container = _CONTAINERS[match.group(1)]
        self.parsed = ParsedFile(f"camt{match.group(1)}")

    def statement(self) -> None:
        self.account = ""

    def account_found(self, flat: Flat) -> None:
        self.account = flat.first("Id/IBAN", "Id/Othr/Id") or ""

    def created(self, text: str) -> None:
        if self.parsed.created_at is None:
            self.parsed.created_at = _timestamp(text)

    def entry(self, flat: Flat) -> None:
        """One `Ntry`: its transactions as receipts, non-receipts or quarantined lines."""
        self.entries += 1
        entry_ref = flat.text("AcctSvcrRef")
        amount = flat.elem("Amt")
        currency = (amount.get("Ccy") or "").upper() if amount is not None else ""
        entry_cents = _cents(amount.text if amount is not None else None)
        direction = flat.text("CdtDbtInd")
        reversal = (flat.text("RvslInd") or "").lower() in ("true", "1")
        status = flat.first("Sts/Cd", "Sts")
        booked_on = _date(flat.first("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"))
        code = "/".join(x for x in (
            flat.text("BkTxCd/Domn/Cd"), flat.text("BkTxCd/Domn/Fmly/Cd"),
            flat.text("BkTxCd/Domn/Fmly/SubFmlyCd")) if x) or flat.text("BkTxCd/Prtry/Cd")
        details = flat.transactions or [None]
        base = {"entry": self.entries, "entry_reference": entry_ref, "amount": amount.text
                if amount is not None else None, "currency": currency, "direction": direction,
                "reversal": reversal, "status": status}
        problem = self._entry_problem(entry_cents, currency, direction, booked_on)
        txs, directions = [], []
        for index, tx in enumerate(details, 1):
            self.position += 1
            raw = {**base, "transaction": index, **_tx_raw(tx)}
            if problem:
                self.parsed.rejected.append(Rejected(self.position, problem[0], problem[1], raw))
                continue
            txs.append(self._transaction(tx, index, len(details), raw, entry_cents, entry_ref))
            directions.append(tx.text("CdtDbtInd") if tx is not None else None)
        if problem or not txs:
            return
        self._check_sum(txs, entry_cents, base)
        for tx, tx_direction in zip(txs, directions, strict=True):
            if isinstance(tx, Rejected):
                self.parsed.rejected.append(tx)
                continue
            tx.account, tx.booked_on, tx.code = self.account, booked_on, code
            tx.currency = tx.currency or currency
            if (tx_direction or direction) == "DBIT":
                tx.cents = -tx.cents
            tx.reason = ("reversal" if reversal else "not booked" if status not in ("BOOK", None)
                         else "debit" if tx.cents < 0 else None)
            if reversal:
                tx.bank_ref = entry_ref or tx.bank_ref
            self.parsed.transactions.append(tx)

    def _entry_problem(self, cents, currency, direction, booked_on) -> tuple[str, str] | None:
        if cents is None:
            return "amount", f"entry {self.entries}: Amt is not a positive decimal amount"
        if not re.match(r"^[A-Z]{3}$", currency):
            return "currency", f"entry {self.entries}: Amt has no valid Ccy attribute"
        if direction not in ("CRDT", "DBIT"):
            return "direction", f"entry {self.entries}: CdtDbtInd {direction!r} is not CRDT or DBIT"
        if booked_on is None:
            return "booked_on", f"entry {self.entries}: no valid BookgDt or ValDt"
        return None

    def _transaction(self, tx: Flat | None, index: int, count: int, raw: dict,
                     entry_cents: int, entry_ref: str | None) -> Transaction | Rejected:
        if tx is None:
            return Transaction(self.position, "", dt.date.min, entry_cents, "", bank_ref=entry_ref)
        amount = tx.elem("Amt")
        if amount is None:
            amount = tx.elem("AmtDtls/TxAmt/Amt")
        cents = _cents(amount.text) if amount is not None else (entry_cents if count == 1 else None)
        if cents is None:
            return Rejected(self.position, "amount", f"entry {self.entries} transaction {index}: "
                            "no valid transaction amount (TxDtls/Amt or AmtDtls/TxAmt/Amt)", raw)
        own_ref = tx.text("Refs/AcctSvcrRef")
        result = Transaction(
            self.position, "", dt.date.min, cents,
            (amount.get("Ccy") or "").upper() if amount is not None else "",
            payer=raw["payer"], reference=raw["remittance"],
            bank_ref=own_ref or entry_ref, ref_identifies=bool(own_ref) or count == 1,
            tx_index=index)
        result.reverses = _other_refs(tx, own_ref)
        return result

    def _check_sum(self, txs: list, entry_cents: int, base: dict) -> None:
        """Transactions of a batch must add up to what the entry books, or none is trusted."""
        found = [t for t in txs if isinstance(t, Transaction)]
        if len(found) != len(txs) or len(txs) == 1:
            return
        total = sum(abs(t.cents) for t in found)
        if total != entry_cents:
            for i, t in enumerate(found):
                txs[i] = Rejected(t.row_number, "amount", f"entry {self.entries}: its transactions "
                                  f"add up to {total / 100:.2f}, the entry books "
                                  f"{entry_cents / 100:.2f}", {**base, "transaction": t.tx_index})


def _tx_raw(tx: Flat | None) -> dict:
    """What a transaction says, for quarantine and for the payment row."""
    if tx is None:
        return {"payer": None, "remittance": None}
    structured = tx.all_text("RmtInf/Strd/CdtrRefInf/Ref") + tx.all_text("RmtInf/Strd/RfrdDocInf/Nb")
    return {"tx_reference": tx.text("Refs/AcctSvcrRef"),
            "end_to_end_id": tx.text("Refs/EndToEndId"),
            "tx_amount": tx.first("Amt", "AmtDtls/TxAmt/Amt"),
            "payer": tx.first("RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm",
                              "RltdPties/UltmtDbtr/Nm", "RltdPties/UltmtDbtr/Pty/Nm"),
            "remittance": " ".join(structured + tx.all_text("RmtInf/Ustrd")) or None}


def _other_refs(tx: Flat, own_ref: str | None) -> str | None:
    """The references a reversal may carry of its original (kept until reversals are applied)."""
    refs = [own_ref] + [tx.text(f"Refs/{name}") for name in ("EndToEndId", "TxId", "InstrId")]
    return "\x1f".join(r for r in refs if r and r != _NOT_PROVIDED) or None


def _timestamp(text: str | None) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if value.tzinfo:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _apply_reversals(transactions: list[Transaction]) -> None:
    """A reversal cancels the one credit of the file that shares a reference and the amount
    with it. `reverses` keeps the reference it names either way, so a credit booked in an
    earlier statement can be cancelled downstream; nothing is guessed from amounts alone."""
    credits: dict[str, list[Transaction]] = {}
    for tx in transactions:
        if tx.reason is None:
            for ref in {*(tx.reverses or "").split("\x1f"), tx.bank_ref} - {None, ""}:
                credits.setdefault(ref, []).append(tx)
    for tx in transactions:
        refs, tx.reverses = [r for r in (tx.reverses or "").split("\x1f") if r], None
        if tx.reason != "reversal" or not refs:
            continue
        tx.reverses = refs[0]
        for ref in refs:
            found = [c for c in credits.get(ref, ()) if c.reason is None
                     and abs(c.cents) == abs(tx.cents) and c.currency == tx.currency]
            if len(found) == 1:
                found[0].reason = "reversed credit"
                tx.reverses = found[0].bank_ref or ref
                break
