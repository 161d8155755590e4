"""Who is in the invented world: customer accounts (names, Salesforce ids, payment terms),
the collectors and project directors, and the accounts' projects."""

from __future__ import annotations

import numpy as np

from orchestration.demo import names
from orchestration.demo.model import HOME_CURRENCY
from orchestration.policy.team import Team

TERMS = np.array([15, 30, 45, 60])
TERM_WEIGHTS = np.array([0.2, 0.45, 0.2, 0.15])
FOREIGN_USD_SHARE = 0.2

_REGION_MIX = {"USD": (0.92, 0.04, 0.04), "GBP": (0.12, 0.73, 0.15)}
"""Where an office's clients are based (US, UK, Germany): it decides their names' style."""


def accounts(rng, offices, currencies, n) -> dict:
    """`n` customer accounts, every office with at least one: office, billing currency, region,
    name, Salesforce id, payment terms and how often each is invoiced (`popularity`)."""
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
    words = names.words()
    result, seen = [], set()
    draws = rng.integers(0, 1 << 30, (len(region), 6)).tolist()
    for reg, (pattern, a, b, c, d, comma) in zip(region.tolist(), draws, strict=True):
        while True:
            surnames = words.german_surnames if reg == 2 else words.last_names
            s1, s2 = surnames[a % len(surnames)], surnames[b % len(surnames)]
            noun, noun2 = words.nouns[c % len(words.nouns)], words.nouns[d % len(words.nouns)]
            industry = words.industries[(a // 7) % len(words.industries)]
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


def people(rng, offices, account_office, team: Team) -> dict:
    """Collectors and project directors with unique names and emails. An office's collectors are
    the policy's roster where it lists any (so workbench links and alert emails reach them),
    otherwise five invented ones."""
    n_off = len(offices)
    rostered = {o: [m for m in team.collectors if m.office == code] for o, code in enumerate(offices)}
    per_office_collectors = [len(rostered[o]) or 5 for o in range(n_off)]
    per_office = [int(np.clip((account_office == o).sum() // 25, 4, 400)) for o in range(n_off)]
    total = sum(per_office_collectors) + sum(per_office)
    taken = {m.name for m in team.collectors}
    firsts, lasts = names.words().first_names, names.words().last_names
    pairs = rng.choice(len(firsts) * len(lasts), total + len(taken), replace=False)
    first = [firsts[p // len(lasts)] for p in pairs.tolist()]
    last = [lasts[p % len(lasts)] for p in pairs.tolist()]
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


def projects(rng, account_office, directors) -> dict:
    """One to three projects per account, each run by a director of the account's office."""
    count = 1 + rng.binomial(2, 0.35, len(account_office))
    account = np.repeat(np.arange(len(account_office)), count)
    n = len(account)
    places, kinds = names.words().project_places, names.words().project_kinds
    place = rng.integers(0, len(places), n).tolist()
    kind = rng.integers(0, len(kinds), n).tolist()
    pick = rng.random(n)
    office = account_office[account]
    director = np.empty(n, dtype=np.int64)
    for o, pool in enumerate(directors):
        mask = office == o
        director[mask] = pool[(pick[mask] * len(pool)).astype(int)]
    return {
        "name": np.array(
            [f"{places[p]} {kinds[k]}" for p, k in zip(place, kind, strict=True)],
            dtype=object,
        ),
        "director": director,
        "start": np.concatenate([[0], np.cumsum(count)[:-1]]),
        "count": count,
    }
