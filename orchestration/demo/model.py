"""The invented world behind the demo files: customers, staff, invoices and their history.

Every landing file is rendered from this one model and the truth is read from it, so the files
and the truth cannot disagree. Times are minutes since midnight of `as_of` in the report's time
zone, always within business hours, so no daylight-saving gap or repeat can reorder them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from orchestration.demo import names
from orchestration.demo.behaviour import Behaviours, assign_behaviours, paid_days
from orchestration.policy import Policy
from orchestration.policy.team import Team

EXPORT_DAYS = (-14, -7, 0)
"""Weekly Salesforce exports per office, as day offsets from `as_of`."""

HISTORY_DAYS = 600
"""Invoices go back this many days (~20 months: 18 whole months of payment history)."""
TERMS = np.array([15, 30, 45, 60])
TERM_WEIGHTS = np.array([0.2, 0.45, 0.2, 0.15])
HOME_CURRENCY = {"LDN": "GBP"}
"""Offices that bill in something other than USD; a share of their clients still pay in USD."""
FOREIGN_USD_SHARE = 0.2
INVOICES_PER_ACCOUNT = 8
SHARED_NUMBER_RATE = 0.003
"""Share of invoices whose number another office also used (a few dozen per 10k)."""
TRACKER_SHARE, TRACKER_CAP = 0.3, 20_000
MIN_INVOICES = 50
BUSINESS_HOURS = (8 * 60, 19 * 60)


@dataclass(frozen=True)
class Export:
    """One Salesforce report export of one office: its invoices and their state at that time."""

    office: int
    day: int
    generated_minute: int
    members: np.ndarray
    balance: np.ndarray
    stage: np.ndarray
    modified: np.ndarray


@dataclass(frozen=True)
class World:
    """Arrays indexed by account, project, person or invoice; invoices are Salesforce's."""

    as_of: dt.date
    offices: tuple[str, ...]
    stages: tuple[str, ...]
    paid_stage: int
    currencies: tuple[str, ...]
    person_name: np.ndarray
    person_email: np.ndarray
    collectors: tuple[np.ndarray, ...]
    account_name: np.ndarray
    account_id: np.ndarray
    account_collector: np.ndarray
    project_name: np.ndarray
    project_director: np.ndarray
    office: np.ndarray
    number: np.ndarray
    account: np.ndarray
    project: np.ndarray
    invoice_day: np.ndarray
    due_day: np.ndarray
    currency: np.ndarray
    amount: np.ndarray
    balance: np.ndarray
    stage: np.ndarray
    exports: tuple[Export, ...]
    legacy_office: np.ndarray
    legacy_number: np.ndarray
    legacy_account: np.ndarray
    legacy_amount: np.ndarray
    legacy_due_day: np.ndarray
    legacy_stage: np.ndarray
    behaviours: Behaviours
    """How each account pays (orchestration/demo/behaviour.py)."""
    paid_day: np.ndarray
    """Per invoice: the day it was paid in full (offset from as_of), `behaviour.UNPAID` if never."""

    @property
    def open_stages(self) -> np.ndarray:
        return np.array([i for i in range(len(self.stages)) if i != self.paid_stage])


def stage_for(open_stages: np.ndarray, days_past_due: np.ndarray, rng: np.random.Generator):
    """An open stage that fits how late an invoice is, with the spread real teams show."""
    progress = np.clip((days_past_due + 15) / 120, 0, 1) * (len(open_stages) - 1)
    jitter = rng.uniform(-0.9, 0.9, len(days_past_due))
    return open_stages[np.clip(np.rint(progress + jitter), 0, len(open_stages) - 1).astype(int)]


def tracker_rows(invoices: int) -> int:
    """How many rows the legacy tracker holds: ~30% of invoices, capped at a hand-kept size."""
    return min(round(TRACKER_SHARE * invoices), TRACKER_CAP)


def build_world(policy: Policy, invoices: int, as_of: dt.date, rng: np.random.Generator) -> World:
    """`invoices` ledger invoices: Salesforce's plus a few legacy ones only the tracker has."""
    if invoices < MIN_INVOICES:
        raise ValueError(f"the demo needs at least {MIN_INVOICES} invoices, got {invoices}")
    offices = tuple(o.code for o in policy.offices)
    stages = tuple(policy.stages)
    folded = [s.casefold() for s in stages]
    paid_stage = folded.index("paid") if "paid" in folded else len(stages) - 1
    currencies = tuple(dict.fromkeys(["USD", *HOME_CURRENCY.values()]))
    n_legacy = max(3, min(50, tracker_rows(invoices) // 400))
    n_sf = invoices - n_legacy

    accounts = _accounts(rng, offices, currencies, max(2 * len(offices), round(n_sf / INVOICES_PER_ACCOUNT)))
    people = _people(rng, offices, accounts["office"], policy.team)
    projects = _projects(rng, accounts["office"], people["directors"])
    inv = _invoices(rng, offices, accounts, projects, n_sf)
    behaviours = assign_behaviours(rng, len(accounts["id"]), HISTORY_DAYS)
    paid_day = paid_days(rng, behaviours, inv["account"], inv["invoice_day"], inv["due_day"], as_of)
    open_stages = np.array([i for i in range(len(stages)) if i != paid_stage])
    balance, stage = _final_state(rng, inv, paid_day, open_stages, paid_stage)
    exports = _exports(rng, offices, inv, paid_day, balance, stage, open_stages, paid_stage)
    legacy = _legacy(rng, offices, accounts["office"], n_legacy, open_stages)
    return World(
        as_of=as_of,
        offices=offices,
        stages=stages,
        paid_stage=paid_stage,
        currencies=currencies,
        person_name=people["name"],
        person_email=people["email"],
        collectors=people["collectors"],
        account_name=accounts["name"],
        account_id=accounts["id"],
        account_collector=people["account_collector"],
        project_name=projects["name"],
        project_director=projects["director"],
        office=inv["office"],
        number=inv["number"],
        account=inv["account"],
        project=inv["project"],
        invoice_day=inv["invoice_day"],
        due_day=inv["due_day"],
        currency=inv["currency"],
        amount=inv["amount"],
        balance=balance,
        stage=stage,
        exports=exports,
        legacy_office=legacy["office"],
        legacy_number=legacy["number"],
        legacy_account=legacy["account"],
        legacy_amount=legacy["amount"],
        legacy_due_day=legacy["due_day"],
        legacy_stage=legacy["stage"],
        behaviours=behaviours,
        paid_day=paid_day,
    )


_REGION_MIX = {"USD": (0.92, 0.04, 0.04), "GBP": (0.12, 0.73, 0.15)}
"""Where an office's clients are based (US, UK, Germany): it decides their names' style."""


def _accounts(rng, offices, currencies, n) -> dict:
    office = rng.choice(len(offices), n, p=_office_weights(len(offices)))
    office[: len(offices)] = np.arange(len(offices))
    home = np.array([currencies.index(HOME_CURRENCY.get(code, "USD")) for code in offices])
    currency = home[office]
    currency[(currency != 0) & (rng.random(n) < FOREIGN_USD_SHARE)] = 0
    mix = np.array([_REGION_MIX.get(currencies[c], _REGION_MIX["USD"]) for c in home])[office]
    region = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(max=2)
    return {
        "office": office,
        "currency": currency,
        "region": region,
        "name": np.array(_company_names(rng, region), dtype=object),
        "id": np.array(_salesforce_ids(rng, "001", n), dtype=object),
        "terms": rng.choice(TERMS, n, p=TERM_WEIGHTS),
        "popularity": rng.lognormal(0, 1, n),
    }


def _office_weights(n: int) -> np.ndarray:
    weights = np.arange(n + 1, 1, -1, dtype=float)
    return weights / weights.sum()


def _company_names(rng, region: np.ndarray) -> list[str]:
    """Unique names like `Harbor Logistics, Inc.`, `Ashford Wright Ltd`, `Köhler Data GmbH`."""
    suffixes = (names.US_SUFFIXES, names.UK_SUFFIXES, names.DE_SUFFIXES)
    result, seen = [], set()
    draws = rng.integers(0, 1 << 30, (len(region), 6)).tolist()
    for reg, (pattern, a, b, c, d, comma) in zip(region.tolist(), draws, strict=True):
        while True:
            surnames = names.GERMAN_SURNAMES if reg == 2 else names.LAST_NAMES
            s1, s2 = surnames[a % len(surnames)], surnames[b % len(surnames)]
            noun, noun2 = names.NOUNS[c % len(names.NOUNS)], names.NOUNS[d % len(names.NOUNS)]
            industry = names.INDUSTRIES[(a // 7) % len(names.INDUSTRIES)]
            suffix = suffixes[reg][(b // 11) % len(suffixes[reg])]
            stem = (
                f"{s1} {industry}",
                f"{noun} {industry}",
                f"{s1} & {s2}",
                f"{noun} {noun2} {industry}",
            )[pattern % 4]
            sep = ", " if suffix in ("Inc.", "LLC") and comma % 3 == 0 else " "
            name = f"{stem}{sep}{suffix}"
            if name not in seen:
                break
            pattern, a, b, c, d = 3, *rng.integers(0, 1 << 30, 4).tolist()
        seen.add(name)
        result.append(name)
    return result


_ALPHANUMERIC = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)


def _salesforce_ids(rng, prefix: str, n: int) -> list[str]:
    """18-character record ids: a 3-character key prefix and 15 alphanumerics, all distinct."""
    while True:
        text = _ALPHANUMERIC[rng.integers(0, 62, n * 15)].tobytes().decode("ascii")
        ids = [prefix + text[i : i + 15] for i in range(0, n * 15, 15)]
        if len(set(ids)) == n:
            return ids


def _people(rng, offices, account_office, team: Team) -> dict:
    """Collectors and project directors with unique names and emails. An office's collectors are
    the policy's roster where it lists any (so workbench links and alert emails reach them),
    otherwise five invented ones."""
    n_off = len(offices)
    rostered = {o: [m for m in team.collectors if m.office == code] for o, code in enumerate(offices)}
    per_office_collectors = [len(rostered[o]) or 5 for o in range(n_off)]
    per_office = [int(np.clip((account_office == o).sum() // 25, 4, 400)) for o in range(n_off)]
    total = sum(per_office_collectors) + sum(per_office)
    taken = {m.name for m in team.collectors}
    pairs = rng.choice(len(names.FIRST_NAMES) * len(names.LAST_NAMES), total + len(taken), replace=False)
    first = [names.FIRST_NAMES[p // len(names.LAST_NAMES)] for p in pairs.tolist()]
    last = [names.LAST_NAMES[p % len(names.LAST_NAMES)] for p in pairs.tolist()]
    invented = [
        (f"{f} {surname}", f"{f}.{surname}@{names.STAFF_EMAIL_DOMAIN}".lower().replace("'", ""))
        for f, surname in zip(first, last, strict=True)
        if f"{f} {surname}" not in taken
    ]
    fresh = iter(invented)
    people: list[tuple[str, str]] = []
    collectors = []
    for o in range(n_off):
        start = len(people)
        if rostered[o]:
            people.extend((m.name, m.email) for m in rostered[o])
        else:
            people.extend(next(fresh) for _ in range(per_office_collectors[o]))
        collectors.append(np.arange(start, len(people)))
    directors = []
    for count in per_office:
        start = len(people)
        people.extend(next(fresh) for _ in range(count))
        directors.append(np.arange(start, len(people)))
    offsets = np.array([c[0] for c in collectors])
    sizes = np.array(per_office_collectors)
    pick = (rng.random(len(account_office)) * sizes[account_office]).astype(np.int64)
    account_collector = offsets[account_office] + pick
    return {
        "name": np.array([n for n, _ in people], dtype=object),
        "email": np.array([e for _, e in people], dtype=object),
        "collectors": tuple(collectors),
        "directors": tuple(directors),
        "account_collector": account_collector,
    }


def _projects(rng, account_office, directors) -> dict:
    """One to three projects per account, each run by a director of the account's office."""
    count = 1 + rng.binomial(2, 0.35, len(account_office))
    account = np.repeat(np.arange(len(account_office)), count)
    n = len(account)
    place = rng.integers(0, len(names.PROJECT_PLACES), n).tolist()
    kind = rng.integers(0, len(names.PROJECT_KINDS), n).tolist()
    pick = rng.random(n)
    office = account_office[account]
    director = np.empty(n, dtype=np.int64)
    for o, pool in enumerate(directors):
        mask = office == o
        director[mask] = pool[(pick[mask] * len(pool)).astype(int)]
    return {
        "name": np.array(
            [f"{names.PROJECT_PLACES[p]} {names.PROJECT_KINDS[k]}" for p, k in zip(place, kind, strict=True)],
            dtype=object,
        ),
        "director": director,
        "start": np.concatenate([[0], np.cumsum(count)[:-1]]),
        "count": count,
    }


def _invoices(rng, offices, accounts, projects, n) -> dict:
    popularity = accounts["popularity"]
    account = rng.choice(len(popularity), n, p=popularity / popularity.sum())
    office = accounts["office"][account]
    invoice_day = rng.integers(-HISTORY_DAYS, 0, n)
    due_day = invoice_day + accounts["terms"][account]
    project = projects["start"][account] + (rng.random(n) * projects["count"][account]).astype(int)
    cents = np.clip(np.rint(rng.lognormal(np.log(6000), 1.1, n) * 100), 15_000, 75_000_000).astype(np.int64)
    whole = rng.random(n) < 0.4
    cents[whole] = np.maximum(cents[whole] // 10_000 * 10_000, 10_000)
    return {
        "office": office,
        "account": account,
        "project": project,
        "invoice_day": invoice_day,
        "due_day": due_day,
        "currency": accounts["currency"][account],
        "amount": cents,
        "number": _invoice_numbers(rng, office, invoice_day, len(offices)),
    }


def _invoice_numbers(rng, office, invoice_day, n_offices) -> np.ndarray:
    """Sequential per office in date order, from separate ranges, except a few numbers that a
    later office reused from the first one (the same number, two different invoices)."""
    number = np.zeros(len(office), dtype=np.int64)
    base = 200_001
    for o in range(n_offices):
        members = np.flatnonzero(office == o)
        order = members[np.lexsort((rng.random(len(members)), invoice_day[members]))]
        number[order] = base + np.arange(len(order))
        base = -(-(base + len(order) + 100_000) // 100_000) * 100_000 + 1
    first = np.flatnonzero(office == 0)
    for o in range(1, n_offices):
        members = np.flatnonzero(office == o)
        k = min(
            max(2, round(len(office) * SHARED_NUMBER_RATE / (n_offices - 1))),
            len(members),
            len(first),
        )
        number[rng.choice(members, k, replace=False)] = number[rng.choice(first, k, replace=False)]
    return number


PARTIAL_SHARE = 0.18
"""Share of open invoices that the client has paid in part."""


def _final_state(rng, inv, paid_day, open_stages, paid_stage):
    """Balance and stage in the newest export: invoices not paid before `as_of` are open."""
    past_due = -inv["due_day"]
    is_open = paid_day >= 0
    amount = inv["amount"]
    balance = np.where(is_open, amount, 0)
    partial = is_open & (rng.random(len(amount)) < PARTIAL_SHARE)
    balance[partial] = np.clip(
        np.rint(amount[partial] * rng.uniform(0.15, 0.85, partial.sum())), 1, amount[partial] - 1
    )
    stage = np.where(is_open, stage_for(open_stages, past_due, rng), paid_stage)
    return balance, stage


def _business_minutes(rng, first_day: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """A random business-hours minute on a random day in [first_day, last_day]."""
    day = first_day + (rng.random(len(first_day)) * (last_day - first_day + 1)).astype(np.int64)
    return day * 1440 + rng.integers(*BUSINESS_HOURS, len(first_day))


def _exports(rng, offices, inv, paid_day, balance, stage, open_stages, paid_stage) -> tuple[Export, ...]:
    """Walk each invoice back from its final state through the weekly exports.

    An invoice paid between two exports is open in the earlier one (in full, or in part) and
    its `Last Modified Date` is the moment it was paid; one paid before its first export shows
    balance 0 with that moment. Between two exports an open invoice may also get a part
    payment, a stage change, or an edit invisible in the report, each moving `Last Modified
    Date` into that week. Unchanged invoices keep the same timestamp, so later exports tie
    with earlier ones.
    """
    n, k_last = len(balance), len(EXPORT_DAYS) - 1
    days = np.array(EXPORT_DAYS)
    first = np.searchsorted(days, inv["invoice_day"], side="right")
    amount = inv["amount"]
    recent = (-inv["due_day"] < 120) | (balance > 0)
    changed = [None] + [
        (first <= k - 1) & (rng.random(n) < np.where(recent, 0.2, 0.02)) for k in range(1, k_last + 1)
    ]
    settled = [None] + [(paid_day >= days[k - 1]) & (paid_day < days[k]) for k in range(1, k_last + 1)]
    balances, stages = [None] * (k_last + 1), [None] * (k_last + 1)
    balances[k_last], stages[k_last] = balance, stage
    for k in range(k_last, 0, -1):
        bal, stg = balances[k].copy(), stages[k].copy()
        reopened = settled[k]
        bal[reopened] = amount[reopened]
        part = reopened & (rng.random(n) < PARTIAL_SHARE)
        bal[part] = np.clip(np.rint(amount[part] * rng.uniform(0.15, 0.85, part.sum())), 1, amount[part] - 1)
        stg[reopened] = stage_for(open_stages, days[k - 1] - inv["due_day"][reopened], rng)
        kind = rng.random(n)
        paid_some = (bal < amount) & (bal > 0)
        pays = changed[k] & ~reopened & paid_some & (kind < 0.55)
        top_up = np.maximum(1, np.rint((amount - bal) * rng.uniform(0.3, 1.0, n))).astype(np.int64)
        bal[pays] = np.minimum(amount[pays], bal[pays] + top_up[pays])
        moves = changed[k] & ~reopened & ~pays & (kind < 0.8) & (stg != paid_stage) & (stg != open_stages[0])
        stg[moves] = open_stages[np.searchsorted(open_stages, stg[moves]) - 1]
        balances[k - 1], stages[k - 1] = bal, stg
    paid_at = np.clip(paid_day, -(1 << 40), 0) * 1440 + rng.integers(*BUSINESS_HOURS, n)
    modified = _business_minutes(rng, inv["invoice_day"], days[first] - 1)
    modified = np.where(paid_day < days[np.minimum(first, k_last)], paid_at, modified)
    exports = []
    for k in range(k_last + 1):
        if k:
            week = _business_minutes(rng, np.full(n, days[k - 1]), np.full(n, days[k] - 1))
            modified = np.where(changed[k], week, modified)
            modified = np.where(settled[k], paid_at, modified)
        for o in range(len(offices)):
            members = np.flatnonzero((inv["office"] == o) & (first <= k))
            exports.append(
                Export(
                    office=o,
                    day=int(days[k]),
                    generated_minute=int(rng.integers(390, 450)),
                    members=members,
                    balance=balances[k][members],
                    stage=stages[k][members],
                    modified=modified[members],
                )
            )
    return tuple(exports)


def _legacy(rng, offices, account_office, n, open_stages) -> dict:
    """Old invoices that predate Salesforce and live only in the tracker: long overdue."""
    office = rng.integers(0, len(offices), n)
    number = np.zeros(n, dtype=np.int64)
    account = np.zeros(n, dtype=np.int64)
    for o in range(len(offices)):
        mask = office == o
        number[mask] = rng.choice(np.arange(10_000, 100_000), mask.sum(), replace=False)
        account[mask] = rng.choice(np.flatnonzero(account_office == o), mask.sum())
    due_day = rng.integers(-HISTORY_DAYS - 200, -HISTORY_DAYS + 30, n)
    return {
        "office": office,
        "number": number,
        "account": account,
        "due_day": due_day,
        "amount": np.rint(rng.lognormal(np.log(4000), 0.9, n) * 100).astype(np.int64) + 5_000,
        "stage": stage_for(open_stages, -due_day, rng),
    }
