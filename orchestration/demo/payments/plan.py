"""Which open invoices the week's receipts pay and how: in full, in part, several at once, by
payer only, next to PO numbers and dates, or not placeable at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from orchestration.demo.model import World

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
STATEMENT_DAYS = 7
FILE_CURRENCIES = ("USD", "GBP")
"""The bank CSV is the USD account's export; the camt.053 statement is the GBP account's."""


@dataclass
class Draft:
    """A receipt before it is placed in a file: who paid what, for which invoices."""

    scenario: str
    currency: str
    day: int
    cents: int
    payer: str
    reference: str
    paid: list[tuple[int, int]]
    structured: str = ""


class Planner:
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

    def drafts(self) -> tuple[list[Draft], Draft | None]:
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

    def _draft(self, scenario: str, currency: str) -> Draft | None:
        w, rng = self.world, self.rng
        day = -int(rng.integers(1, STATEMENT_DAYS + 1))
        if scenario == "unmatched":
            cents = int(rng.integers(5_000, 500_000))
            payer = UNKNOWN_PAYERS[rng.integers(len(UNKNOWN_PAYERS))]
            return Draft(scenario, currency, day, cents, payer, "", [])
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
        return Draft(
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
