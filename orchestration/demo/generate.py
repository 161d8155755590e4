"""`generate_demo`: one seeded world rendered as landing files, plus the truth it encodes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from orchestration.demo.contacts import write_contacts
from orchestration.demo.payments import write_payments
from orchestration.demo.salesforce_export import write_exports
from orchestration.demo.tracker import write_tracker
from orchestration.demo.truth import write_truth
from orchestration.demo.world import build_world
from orchestration.dunning.contacts import contacts_path
from orchestration.policy import Policy


@dataclass(frozen=True)
class DemoSummary:
    files: dict[str, list[Path]]
    """Inbound files written, per source (`salesforce`, `tracker`, `payments`)."""
    invoices: int
    """Invoices in the ledger truth (Salesforce invoices plus tracker-only legacy ones)."""
    truth_dir: Path

    def report(self) -> str:
        """What `ledgerloop generate-demo` prints: where each source's files went."""
        lines = [f"{self.invoices:,} invoices"]
        for source, paths in self.files.items():
            names = ", ".join(p.name for p in paths)
            lines.append(f"{source}: {len(paths)} file(s) in {paths[0].parent} ({names})")
        lines.append(f"truth: {self.truth_dir}")
        return "\n".join(lines)


def generate_demo(
    home: Path, policy: Policy, invoices: int, seed: int, as_of: dt.date, progress: bool = True
) -> DemoSummary:
    """Write demo landing files under `home/landing/` and their truth under `home/demo/truth/`.

    The same seed, size, policy and as-of date give byte-identical files (only
    nothing differs). Each part draws from its own random stream, so
    changing how one file is written does not reshuffle the others.
    """
    world_rng, sf_rng, tracker_rng, payments_rng, contacts_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)
    )
    world = build_world(policy, invoices, as_of, world_rng)
    landing, sources = home / "landing", policy.sources
    truth_dir = home / "demo" / "truth"
    rows = sum(len(e.members) for e in world.exports) + invoices
    with tqdm(total=rows, unit="row", desc="demo data", disable=not progress) as bar:
        sf = write_exports(world, policy, landing / sources.salesforce.landing, sf_rng, bar.update)
        tracker = write_tracker(world, policy, landing / sources.tracker.landing, tracker_rng)
        payments = write_payments(world, landing / sources.payments.landing, payments_rng)
        write_truth(truth_dir, world, policy, sf, tracker, payments, seed, bar.update)
        contacts = write_contacts(world, contacts_path(home), contacts_rng)
    return DemoSummary(
        files={"salesforce": sf.files, "tracker": [tracker.path], "payments": payments.files,
               "contacts": [contacts]},
        invoices=invoices,
        truth_dir=truth_dir,
    )
