"""BAI2 cash-management files: file/group/account/detail envelopes, control totals and record
counts verified (a file whose totals do not reconcile is rejected whole, naming the record and
both totals). How records are read off the lines is in `bai2_records`; what each type code is,
in `bai2_codes`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from orchestration.ingest.landing import FileRejected, LandingFile
from orchestration.ingest.payments.bai2_records import Record, read_records
from orchestration.ingest.payments.records import ParsedFile, Rejected, Transaction
from orchestration.ingest.payments.text import read_text
from orchestration.policy.bai2 import Bai2Settings
from orchestration.policy.bai2_codes import TypeCode, not_a_receipt, type_code

_SIGNED = re.compile(r"^[+-]?\d+$")
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF"})
_GROUP_STATUS_NOT_POSTED = {"2": "group deleted (status 2)", "4": "test only (group status 4)"}
_FUNDS_EXTRA = {"S": 3, "V": 2}


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


def _funds_extra(funds: str, rest: list[str], where: str) -> int:
    """How many fields follow a funds type code (S: three amounts, V: date and time, D: pairs)."""
    funds = _strip_slash(funds).upper()
    if funds == "D":
        count = _strip_slash(rest[0]) if rest else ""
        if not count.isdigit():
            raise FileRejected(f"{where}: funds type D needs a number of distributions, got {count!r}")
        return 1 + 2 * int(count)
    return _FUNDS_EXTRA.get(funds, 0)


def _summary_total(fields: list[str], start: int, joins: set[int], where: str) -> int:
    """Sum of the status and summary amounts of an account record (type, amount, count, funds).

    A record continued on an 88 after `,,,/` leaves an empty type code at the join followed by
    the 88's first type code: that is a stray delimiter, not a field, and it is skipped so that
    every later type-code/amount pair stays in place."""
    total, i = 0, start
    while i < len(fields) and any(_strip_slash(f) for f in fields[i:]):
        if i + 1 in joins and not fields[i].strip() and fields[i + 1].strip():
            i += 1
            continue
        total += _amount(fields[i + 1] if i + 1 < len(fields) else "", where)
        funds = fields[i + 3] if i + 3 < len(fields) else ""
        i += 4 + _funds_extra(funds, fields[i + 4:], where)
    return total


def _created_at(fields: list[str], where: str) -> dt.datetime | None:
    """The file header's creation date and time (HHMM, or HH:MM:SS as some banks write it)."""
    date, time = (_strip_slash(f) for f in (fields + ["", "", "", ""])[2:4])
    if not date.isdigit():
        return None
    hhmm = time.replace(":", "")[:4]
    clock = dt.time(int(hhmm[:2]) % 24, int(hhmm[2:]) % 60) if len(hhmm) == 4 and hhmm.isdigit() \
        else dt.time()
    return dt.datetime.combine(_date(date, where), clock)


@dataclass
class _Account:
    number: str
    currency: str
    total: int = 0
    records: int = 0


@dataclass
class _Group:
    as_of: dt.date
    status: str
    currency: str
    records: int
    total: int = 0
    accounts: int = 0
    open: _Account | None = None
    """The account between its 03 and its 49."""


class _Parser:
    """Walks the records once, checking each envelope's totals as its trailer arrives."""

    def __init__(self, name: str, settings: Bai2Settings, parsed: ParsedFile):
        self.name, self.parsed = name, parsed
        self.not_receipts = settings.reasons
        self.default_currency = settings.default_currency
        self.count = self.file_total = self.groups = 0
        self.group: _Group | None = None

    def where(self, record: Record) -> str:
        return f"{self.name} line {record.line} ({record.code} record)"

    def parse(self, records: list[Record]) -> None:
        handlers = {"01": self._file_header, "02": self._group_header, "03": self._account,
                    "16": self._detail, "49": self._account_trailer, "98": self._group_trailer,
                    "99": self._file_trailer}
        for record in records:
            self.count += record.count
            handler = handlers.get(record.code)
            if handler is None:
                raise FileRejected(f"{self.where(record)}: unknown record code {record.code!r}")
            if handler(record, self.where(record)):
                if record is not records[-1]:
                    raise FileRejected(f"{self.where(record)}: records after the file trailer (99)")
                return
        last = records[-1]
        raise FileRejected(f"{self.name}: ends at line {last.line} without a file trailer (99); "
                           "the file is truncated", row_number=last.line)

    def _file_header(self, record: Record, where: str) -> None:
        if self.count != record.count:
            raise FileRejected(f"{where}: a second file header")
        self.parsed.created_at = _created_at(record.fields(), where)

    def _group_header(self, record: Record, where: str) -> None:
        fields = record.fields()
        if self.group is not None:
            raise FileRejected(f"{where}: group header before the previous group's trailer (98)")
        if len(fields) < 4:
            raise FileRejected(f"{where}: group header needs an as-of date (field 4)")
        currency = _strip_slash(fields[5]) if len(fields) > 5 else ""
        self.group = _Group(_date(fields[3], where), _strip_slash(fields[2]),
                            currency or self.default_currency, record.count)

    def _account(self, record: Record, where: str) -> None:
        group, fields = self.group, record.fields()
        if group is None or group.open is not None:
            raise FileRejected(f"{where}: account record outside a group or before the previous "
                               "account's trailer (49)")
        currency = _strip_slash(fields[1]) if len(fields) > 1 else ""
        group.open = _Account(_strip_slash(fields[0]), (currency or group.currency).upper(),
                              _summary_total(fields, 2, record.joins(), where), record.count)

    def _account_trailer(self, record: Record, where: str) -> None:
        group, fields = self.group, record.fields()
        account = group.open if group else None
        if account is None:
            raise FileRejected(f"{where}: account trailer with no account")
        account.records += record.count
        self._check(where, f"account {account.number} control total", fields[0], account.total)
        self._check_count(where, f"account {account.number} record count", fields, 1,
                          account.records)
        group.total += account.total
        group.accounts += 1
        group.records += account.records
        group.open = None

    def _group_trailer(self, record: Record, where: str) -> None:
        group, fields = self.group, record.fields()
        if group is None or group.open is not None:
            raise FileRejected(f"{where}: group trailer outside a group or before the account "
                               "trailer (49)")
        group.records += record.count
        self._check(where, "group control total", fields[0], group.total)
        self._check_count(where, "group number of accounts", fields, 1, group.accounts)
        self._check_count(where, "group record count", fields, 2, group.records)
        self.file_total += group.total
        self.groups += 1
        self.group = None

    def _file_trailer(self, record: Record, where: str) -> bool:
        fields = record.fields()
        if self.group is not None:
            raise FileRejected(f"{where}: file trailer before the group trailer (98)")
        self._check(where, "file control total", fields[0], self.file_total)
        self._check_count(where, "file number of groups", fields, 1, self.groups)
        self._check_count(where, "file record count", fields, 2, self.count)
        return True

    def _check(self, where: str, what: str, stated: str, computed: int) -> None:
        """A blank total stands for zero: files that carry no amounts leave it out."""
        value = _amount(stated, where)
        if value != computed:
            shown = value if _strip_slash(stated) else "blank"
            raise FileRejected(f"{where}: {what} is {shown} but the records add up to {computed}; "
                               "the file does not reconcile and is rejected whole")

    def _check_count(self, where: str, what: str, fields: list[str], i: int, computed: int) -> None:
        stated = _strip_slash(fields[i]) if len(fields) > i else ""
        if stated and (not stated.isdigit() or int(stated) != computed):
            raise FileRejected(f"{where}: {what} is {stated!r} but the file has {computed}; "
                               "the file does not reconcile and is rejected whole")

    def _detail(self, record: Record, where: str) -> None:
        """One 16 record: type, amount, funds type (+ its fields), bank ref, customer ref, text.
        The text runs to the end of the record, commas and continuations and all."""
        group = self.group
        account = group.open if group else None
        if account is None:
            raise FileRejected(f"{where}: transaction detail outside an account")
        account.records += record.count
        body = record.text()
        head = body.split(",", 4)
        if len(head) < 3:
            raise FileRejected(f"{where}: a transaction detail needs type code, amount and "
                               "funds type")
        code, amount_text, funds = head[0].strip(), head[1].strip(), head[2].strip()
        if amount_text and not amount_text.isdigit():
            raise FileRejected(f"{where}: amount {amount_text!r} is not a number of minor units")
        account.total += int(amount_text or 0)
        n = 5 + (_funds_extra(funds, head[3:4], where) if funds else 0)
        parts = body.split(",", n) + [""] * n
        bank_ref, customer_ref = parts[n - 2].strip(), parts[n - 1].strip()
        text = parts[n].strip().lstrip(",").strip()  # an empty text slot before its 88
        if not (len(code) == 3 and code.isdigit()):
            self.parsed.rejected.append(Rejected(
                record.line, "type_code", f"type code {code!r} is not 3 digits",
                {"record": f"16,{record.text()}", "account": account.number}))
            return
        spec = type_code(int(code))
        factor = (-1 if spec.direction == "DB" else 1) * (
            100 if account.currency in _ZERO_DECIMAL_CURRENCIES else 1)
        self.parsed.transactions.append(Transaction(
            record.line, account.number, group.as_of, factor * int(amount_text or 0),
            account.currency, None,
            f"{customer_ref} {text}" if customer_ref and text else (customer_ref or text or None),
            bank_ref or None, True, 1, code, self._reason(spec, amount_text, group.status),
        ))

    def _reason(self, spec: TypeCode, amount_text: str, group_status: str) -> str | None:
        if group_status in _GROUP_STATUS_NOT_POSTED:
            return _GROUP_STATUS_NOT_POSTED[group_status]
        if not amount_text:
            return "non-monetary"
        return not_a_receipt(spec, self.not_receipts)


def parse_bai2(file: LandingFile, settings: Bai2Settings) -> ParsedFile:
    """Every 16 detail as a transaction; credit details are receipts unless the policy says not."""
    text, encoding = read_text(file, settings.fallback_encoding)
    parsed = ParsedFile("bai2", encoding=encoding)
    _Parser(file.name, settings, parsed).parse(read_records(text, file.name))
    return parsed
