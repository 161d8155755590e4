"""BAI2 cash-management files: file/group/account/detail records, `88` continuations, control
totals and record counts verified (a file whose totals do not reconcile is rejected whole)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from orchestration.config import Bai2Settings, expand_type_codes
from orchestration.ingest.landing import FileRejected, LandingFile
from orchestration.ingest.payments.records import ParsedFile, Rejected, Transaction
from orchestration.ingest.payments.text import read_text

_SIGNED = re.compile(r"^[+-]?\d+$")
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF"})
_GROUP_STATUS_NOT_POSTED = {"2": "group deleted (status 2)", "4": "test only (group status 4)"}


@dataclass
class _Record:
    """A logical record: its code, the line it starts on, and its fields (88s joined in)."""

    code: str
    line: int
    lines: int
    text: str

    def fields(self) -> list[str]:
        return self.text.split(",")


def _physical_records(text: str, name: str) -> list[tuple[int, str]]:
    """(line number, record) pairs; a blocked file (fixed-length records, no newlines) is split
    by the physical record length its header declares."""
    lines = text.splitlines()
    header = lines[0].split(",") if lines else []
    length = header[6].strip() if len(header) > 6 else ""
    # Padded fixed-length records run together: lines that are whole multiples of the length.
    if length.isdigit() and int(length) > 0 and any(
            len(x) > int(length) and len(x) % int(length) == 0 for x in lines):
        n = int(length)
        lines = [x[i:i + n] for x in lines for i in range(0, len(x), n)]
    records = [(i, x.strip()) for i, x in enumerate(lines, 1) if x.strip()]
    if not records or not records[0][1].startswith("01,"):
        raise FileRejected(f"{name}: not a BAI2 file (the first record is not a file header '01')",
                           row_number=records[0][0] if records else None)
    return records


def _logical_records(records: list[tuple[int, str]], name: str) -> list[_Record]:
    out: list[_Record] = []
    for line, raw in records:
        code, _, rest = raw.partition(",")
        if code == "88":
            if not out:
                raise FileRejected(f"{name}: line {line}: continuation (88) with no record before it",
                                   row_number=line)
            prev = out[-1]
            prev.text = f"{prev.text.removesuffix('/')},{rest}"
            prev.lines += 1
        else:
            out.append(_Record(code, line, 1, rest))
    return out


def _strip_slash(value: str) -> str:
    return value.strip().removesuffix("/").strip()


def _amount(value: str, where: str) -> int:
    """Minor units from a signed BAI2 amount field (empty means zero); reject the file if not."""
    value = _strip_slash(value)
    if not value:
        return 0
    if not _SIGNED.match(value):
        raise FileRejected(f"{where}: amount {value!r} is not a number of minor units")
    return int(value)


def _date(value: str, where: str) -> dt.date:
    value = _strip_slash(value)
    try:
        return dt.datetime.strptime(value, "%y%m%d").date()
    except ValueError:
        raise FileRejected(f"{where}: date {value!r} is not YYMMDD") from None


_FUNDS_EXTRA = {"S": 3, "V": 2}


def _funds_extra(funds: str, rest: list[str], where: str) -> int:
    """How many fields follow a funds type code (S: three amounts, V: date and time, D: pairs)."""
    funds = _strip_slash(funds).upper()
    if funds == "D":
        count = _strip_slash(rest[0]) if rest else ""
        if not count.isdigit():
            raise FileRejected(f"{where}: funds type D needs a number of distributions, got {count!r}")
        return 1 + 2 * int(count)
    return _FUNDS_EXTRA.get(funds, 0)


@dataclass
class _Account:
    number: str
    currency: str
    line: int
    total: int = 0
    records: int = 0
    details: list = field(default_factory=list)


class _Parser:
    def __init__(self, name: str, settings: Bai2Settings):
        self.name = name
        self.receipts = expand_type_codes(settings.receipt_type_codes)
        self.excluded = {code: reason for reason, items in settings.excluded_type_codes.items()
                         for code in expand_type_codes(items)}
        self.default_currency = settings.default_currency

    def where(self, record: _Record) -> str:
        return f"{self.name} line {record.line} ({record.code} record)"

    def parse(self, records: list[_Record], parsed: ParsedFile) -> None:
        file_total, groups, group = 0, 0, None
        account: _Account | None = None
        count = 0
        for record in records:
            count += record.lines
            if record.code == "16":
                if account is None:
                    raise FileRejected(f"{self.where(record)}: transaction detail outside an account")
                account.records += record.lines
                account.total += self._detail(record, account, group, parsed)
                continue
            where, fields = self.where(record), record.fields()
            if record.code == "01":
                if count != 1:
                    raise FileRejected(f"{where}: a second file header")
                created = fields[2:4] if len(fields) > 3 else []
                if len(created) == 2 and created[0].isdigit():
                    time = _strip_slash(created[1])
                    parsed.created_at = dt.datetime.combine(
                        _date(created[0], where),
                        dt.time(int(time[:2]) % 24, int(time[2:4]) % 60)
                        if len(time) == 4 and time.isdigit() else dt.time())
            elif record.code == "02":
                if group is not None:
                    raise FileRejected(f"{where}: group header before the previous group's trailer (98)")
                if len(fields) < 4:
                    raise FileRejected(f"{where}: group header needs an as-of date (field 4)")
                currency = _strip_slash(fields[5]) if len(fields) > 5 else ""
                group = {"total": 0, "accounts": 0, "records": record.lines, "line": record.line,
                         "as_of": _date(fields[3], where), "status": _strip_slash(fields[2]),
                         "currency": currency or self.default_currency}
            elif record.code == "03":
                if group is None or account is not None:
                    raise FileRejected(f"{where}: account record outside a group or before the "
                                       "previous account's trailer (49)")
                currency = _strip_slash(fields[1]) if len(fields) > 1 else ""
                account = _Account(_strip_slash(fields[0]), (currency or group["currency"]).upper(),
                                   record.line, records=record.lines)
                account.total = self._summary_total(fields[2:], where)
            elif record.code == "49":
                if account is None:
                    raise FileRejected(f"{where}: account trailer with no account")
                account.records += record.lines
                self._check(where, f"account {account.number} control total", fields[0],
                            account.total)
                self._check_count(where, f"account {account.number} record count", fields, 1,
                                  account.records)
                group["total"] += account.total
                group["accounts"] += 1
                group["records"] += account.records
                account = None
            elif record.code == "98":
                if group is None or account is not None:
                    raise FileRejected(f"{where}: group trailer outside a group or before the "
                                       "account trailer (49)")
                group["records"] += record.lines
                self._check(where, "group control total", fields[0], group["total"])
                self._check_count(where, "group number of accounts", fields, 1, group["accounts"])
                self._check_count(where, "group record count", fields, 2, group["records"])
                file_total += group["total"]
                groups += 1
                group = None
            elif record.code == "99":
                if group is not None:
                    raise FileRejected(f"{where}: file trailer before the group trailer (98)")
                self._check(where, "file control total", fields[0], file_total)
                self._check_count(where, "file number of groups", fields, 1, groups)
                self._check_count(where, "file record count", fields, 2, count)
                if record is not records[-1]:
                    raise FileRejected(f"{where}: records after the file trailer (99)")
                return
            else:
                raise FileRejected(f"{where}: unknown record code {record.code!r}")
        last = records[-1]
        raise FileRejected(f"{self.name}: ends at line {last.line} without a file trailer (99); "
                           "the file is truncated", row_number=last.line)

    def _check(self, where: str, what: str, stated: str, computed: int) -> None:
        value = _amount(stated, where)
        if value != computed:
            raise FileRejected(f"{where}: {what} is {value} but the records add up to {computed}; "
                               "the file does not reconcile and is rejected whole")

    def _check_count(self, where: str, what: str, fields: list[str], i: int, computed: int) -> None:
        stated = _strip_slash(fields[i]) if len(fields) > i else ""
        if stated and (not stated.isdigit() or int(stated) != computed):
            raise FileRejected(f"{where}: {what} is {stated!r} but the file has {computed}; "
                               "the file does not reconcile and is rejected whole")

    def _summary_total(self, fields: list[str], where: str) -> int:
        """Sum of the status and summary amounts of an account record (type, amount, count, funds)."""
        total, i = 0, 0
        while i < len(fields):
            if not any(_strip_slash(f) for f in fields[i:]):
                break
            total += _amount(fields[i + 1] if i + 1 < len(fields) else "", where)
            funds = fields[i + 3] if i + 3 < len(fields) else ""
            i += 4 + _funds_extra(funds, fields[i + 4:], where)
        return total

    def _detail(self, record: _Record, account: _Account, group: dict, parsed: ParsedFile) -> int:
        """One 16 record: type, amount, funds type (+ its fields), bank ref, customer ref, text.
        The text runs to the end of the record, commas and all."""
        body = record.text.rstrip().removesuffix("/")
        head = body.split(",", 4)
        if len(head) < 3:
            raise FileRejected(f"{self.where(record)}: a transaction detail needs type code, "
                               "amount and funds type")
        code, amount_text = head[0].strip(), head[1].strip()
        if amount_text and not amount_text.isdigit():
            raise FileRejected(f"{self.where(record)}: amount {amount_text!r} is not a number of "
                               "minor units")
        cents = int(amount_text or 0)
        funds = head[2].strip()
        n = 5 + (_funds_extra(funds, head[3:4], self.where(record)) if funds else 0)
        parts = body.split(",", n)
        parts += [""] * (n + 1 - len(parts))
        bank_ref, customer_ref, text = parts[n - 2].strip(), parts[n - 1].strip(), parts[n].strip()
        if not (len(code) == 3 and code.isdigit()):
            parsed.rejected.append(Rejected(record.line, "type_code", f"type code {code!r} is not "
                                            "3 digits", {"record": f"16,{record.text}",
                                                         "account": account.number}))
            return cents
        type_code = int(code)
        factor = 100 if account.currency in _ZERO_DECIMAL_CURRENCIES else 1
        parsed.transactions.append(Transaction(
            record.line, account.number, group["as_of"],
            cents * factor * (-1 if 400 <= type_code <= 699 else 1), account.currency, None,
            f"{customer_ref} {text}" if customer_ref and text else (customer_ref or text or None),
            bank_ref or None, True, 1, code,
            self._reason(type_code, amount_text, group["status"]),
        ))
        return cents

    def _reason(self, code: int, amount_text: str, group_status: str) -> str | None:
        if group_status in _GROUP_STATUS_NOT_POSTED:
            return _GROUP_STATUS_NOT_POSTED[group_status]
        if not amount_text:
            return "non-monetary"
        if code in self.excluded:
            return self.excluded[code]
        if code in self.receipts:
            return None
        if 400 <= code <= 699:
            return "debit"
        return "not a receipt type code"


def parse_bai2(file: LandingFile, settings: Bai2Settings) -> ParsedFile:
    """Every 16 detail as a transaction; credits of the receipt type codes are receipts."""
    text, encoding = read_text(file, settings.fallback_encoding)
    parsed = ParsedFile("bai2", encoding=encoding)
    records = _logical_records(_physical_records(text, file.name), file.name)
    _Parser(file.name, settings).parse(records, parsed)
    return parsed
