"""Stand-ins for modules a library imports but a process may never use, loaded on first use.

great-expectations imports scipy.stats and altair when it loads, for one expectation (the KL
divergence) and its charts; none of our suites uses either. That is ~1 s of one core in every
process that validates, and the validator's import runs beside the run's own imports and the warm
dbt process on a 2-core machine. A stand-in holds the real module's spec, so the import system
takes it as loaded; the first attribute read imports the real module and answers from it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def defer(name: str) -> None:
    """Put a stand-in for module `name` in `sys.modules` (nothing when it is loaded or absent)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = types.ModuleType(name)
    stand_in.__spec__ = spec

    def load(attribute: str):
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attribute)

    stand_in.__getattr__ = load  # module __getattr__ (PEP 562): only for what the stand-in lacks
    sys.modules[name] = stand_in
