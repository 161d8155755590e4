"""Shared helpers for the payment-file tests: write a file and fingerprint it, build BAI2."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.landing import LandingFile, fingerprint
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT

SAMPLES = Path(__file__).resolve().parent / "samples"
CONFIG = load_policy(REPO_ROOT / "ledgerloop.yaml").sources.payments


def landing_file(folder: Path, name: str, content: str | bytes) -> LandingFile:
    """Write `content` as `folder/name` and fingerprint it the way ingest does."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return fingerprint(path)


def bai2(details: list[str], account: str = "1234567", currency: str = "USD",
         summary: str = "010,100000,,") -> str:
    """A one-group, one-account BAI2 file around the given 16/88 records, totals computed."""
    total = int(summary.split(",")[1] or 0) + sum(
        int(d.split(",")[2] or 0) for d in details if d.startswith("16,"))
    account_records = 2 + len(details)
    lines = ["01,BANKID,CUSTID,261122,0600,1,80,,2/",
             f"02,CUSTID,BANKID,1,261122,2359,{currency},2/",
             f"03,{account},{currency},{summary}/", *details,
             f"49,{total},{account_records}/",
             f"98,{total},1,{account_records + 2}/",
             f"99,{total},1,{account_records + 4}/"]
    return "\n".join(lines) + "\n"


NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
"""A later version: `Sts/Cd`, `TxDtls/Amt`, `Dbtr/Pty/Nm`."""


def statement(entries: str, namespace: str = NS053) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{namespace}"><BkToCstmrStmt>'
            "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-23T06:00:00+01:00</CreDtTm></GrpHdr>"
            "<Stmt><Id>S1</Id><Acct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></Acct>"
            f"{entries}</Stmt></BkToCstmrStmt></Document>")


def entry(amount: str, direction: str = "CRDT", ref: str = "E1", txs: str = "", extra: str = "",
          status: str = "<Sts>BOOK</Sts>", day: str = "2026-11-16") -> str:
    return (f'<Ntry><Amt Ccy="GBP">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{extra}{status}'
            f"<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<NtryDtls>{txs}</NtryDtls></Ntry>")


def tx(amount: str | None = None, ref: str = "", payer: str = "", ustrd: str = "", strd: str = "") -> str:
    refs = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    amt = f'<AmtDtls><TxAmt><Amt Ccy="GBP">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    party = f"<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>" if payer else ""
    rmt = (f"<RmtInf><Ustrd>{ustrd}</Ustrd>" if ustrd else "<RmtInf>") + (
        f"<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd>" if strd else "") + "</RmtInf>"
    return (f"<TxDtls><Refs>{refs}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>{amt}{party}"
            f"{rmt}</TxDtls>")
