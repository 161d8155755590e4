"""`build_world`: the invented world for one seed, size, policy and as-of date."""

from __future__ import annotations

import datetime as dt

import numpy as np

from orchestration.demo import billing, parties
from orchestration.demo.behaviour import assign_behaviours, paid_days
from orchestration.demo.model import HISTORY_DAYS, HOME_CURRENCY, World, tracker_rows
from orchestration.policy import Policy

INVOICES_PER_ACCOUNT = 8
MIN_INVOICES = 50


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

    n_accounts = max(2 * len(offices), round(n_sf / INVOICES_PER_ACCOUNT))
    accounts = parties.accounts(rng, offices, currencies, n_accounts)
    people = parties.people(rng, offices, accounts["office"], policy.team)
    projects = parties.projects(rng, accounts["office"], people["directors"])
    inv = billing.invoices(rng, offices, accounts, projects, n_sf)
    behaviours = assign_behaviours(rng, len(accounts["id"]), HISTORY_DAYS)
    paid_day = paid_days(rng, behaviours, inv["account"], inv["invoice_day"], inv["due_day"], as_of)
    open_stages = np.array([i for i in range(len(stages)) if i != paid_stage])
    balance, stage = billing.final_state(rng, inv, paid_day, open_stages, paid_stage)
    exports = billing.weekly_exports(rng, offices, inv, paid_day, balance, stage, open_stages, paid_stage)
    legacy = billing.legacy_invoices(rng, offices, accounts["office"], n_legacy, open_stages)
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
