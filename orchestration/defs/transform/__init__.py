"""Transform wiring: the dbt project's models, snapshots and tests as assets and checks."""

from orchestration.defs.transform.assets import defs

__all__ = ["defs"]
