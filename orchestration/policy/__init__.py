"""The collections policy (`ledgerloop.yaml`), validated: one module per section.

`Policy` and `load_policy` are the whole (`policy.model`); each section's model lives in its own
module (`policy.dunning`, `policy.sources`...). The names below load on first use, so that a
command needing one section (`ledgerloop link` reads only `team:`) does not load them all.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.policy._base import PolicyError
    from orchestration.policy.model import Policy, load_policy

__all__ = ["Policy", "PolicyError", "load_policy"]
_HOMES = {"Policy": "orchestration.policy.model", "load_policy": "orchestration.policy.model",
          "PolicyError": "orchestration.policy._base"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'orchestration.policy' has no attribute {name!r}")
