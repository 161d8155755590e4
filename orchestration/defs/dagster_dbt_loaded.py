"""dagster-dbt, loaded as it loads where dbt-core is not installed.

Where it can, dagster-dbt imports dbt-core's adapter, result and node modules when it loads, and
runs dbt's selector over the manifest for the default selection: ~1.3 s of every run's start, for
a process that never runs dbt (dbt runs in its own process, `ledgerloop-dbt`, and dagster-dbt
opens no adapter here: `VenvDbtCliResource`). With `dbt.version` unimportable while it loads,
dagster-dbt uses its own equivalents of those types (those it uses beside dbt Fusion) and takes
every node of the manifest for the default selection; the asset graph, its checks and the jobs'
selections are the same (tests/orchestration/defs/test_dagster_dbt_loaded.py). A process that
has dbt-core loaded already loads dagster-dbt as it is.
"""

from __future__ import annotations

import sys

_HIDDEN = "dbt.version"
"""What dagster-dbt imports first to learn whether dbt-core is there."""

if "dagster_dbt" not in sys.modules and _HIDDEN not in sys.modules:
    sys.modules[_HIDDEN] = None  # an import of it raises ImportError
    try:
        import dagster_dbt  # noqa: F401
    finally:
        del sys.modules[_HIDDEN]

from dagster_dbt import (  # noqa: E402
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

__all__ = ["DagsterDbtTranslator", "DagsterDbtTranslatorSettings", "DbtCliResource", "DbtProject",
           "dbt_assets"]
