"""How dbt nodes appear in Dagster: keyed by schema and name, grouped by layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from orchestration.defs.dagster_dbt_loaded import DagsterDbtTranslator, DagsterDbtTranslatorSettings
from orchestration.quality.dbt_test_descriptions import describe_test


class LedgerloopDbtTranslator(DagsterDbtTranslator):
    """Models are keyed `[schema, name]` (e.g. `marts/ar_ledger`) and grouped by their layer.

    Sources keep dagster-dbt's default `[source, table]` keys, which are the ingest assets' keys,
    so lineage from ingest to marts needs no mapping here.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] not in ("model", "snapshot", "seed"):
            return spec
        return spec.replace_attributes(
            key=dg.AssetKey([node["schema"], node["name"]]),
            group_name=node["schema"],
        )

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        """dbt tests as checks, each described in a sentence in the UI (dagster-dbt only reads
        `meta.description`)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id], manifest))
