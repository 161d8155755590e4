"""Dagster's view of a `ledgerloop run` in the words of `run_progress`: the steps the job will run
and each event of its event log as a `StepEvent` (imported only once Dagster is loaded)."""

from __future__ import annotations

import re
from typing import Any

from orchestration.cli.run_progress import STEP_LABELS, StepEvent, StepPlan

DBT_STEP = "ledgerloop_dbt_models"


def dbt_steps(defs, job_name: str) -> list[str]:
    """The job's dbt steps: one, or (on a PostgreSQL warehouse) the parts Dagster splits dbt into
    around the risk scores, named `ledgerloop_dbt_models_2`, `_3`."""
    return sorted(node.name for node in defs.resolve_job_def(job_name).nodes
                  if re.fullmatch(rf"{DBT_STEP}(_\d+)?", node.name))


def step_plan(defs, job_name: str) -> dict[str, StepPlan]:
    """Every step of the job with its label and how many assets and checks it reports."""
    by_step = {a.node_def.name: a for a in defs.resolve_asset_graph().assets_defs if a.is_executable}
    plan = {}
    parts = dbt_steps(defs, job_name)
    for node in defs.resolve_job_def(job_name).nodes:
        assets = by_step.get(node.name)
        if node.name in parts and len(parts) > 1:
            plan[node.name] = StepPlan(f"{STEP_LABELS[DBT_STEP]}, part {parts.index(node.name) + 1} "
                                       f"of {len(parts)}")
            continue
        if assets is None:
            plan[node.name] = StepPlan(STEP_LABELS.get(node.name, node.name))
            continue
        plan[node.name] = StepPlan(_label(node.name, assets),
                                   max(1, len(assets.keys) + len(assets.check_keys)))
    return plan


def check_descriptions(defs) -> dict[str, str]:
    """`asset:check` -> the description the Dagster UI shows for that check."""
    graph = defs.resolve_asset_graph()
    return {f"{key.asset_key.to_user_string()}:{key.name}": graph.get_check_spec(key).description or ""
            for key in graph.asset_check_keys}


def step_event(entry, descriptions: dict[str, str], explain=None) -> StepEvent | None:
    """The progress-worthy part of one event-log entry, or None; `explain` words a step's error."""
    event = entry.dagster_event
    if event is None or not event.step_key:
        return None
    kind = event.event_type_value
    if kind == "STEP_START":
        return StepEvent("start", event.step_key, at=entry.timestamp)
    if kind == "STEP_SUCCESS":
        return StepEvent("success", event.step_key, at=entry.timestamp)
    if kind == "STEP_SKIPPED":
        return StepEvent("skipped", event.step_key, at=entry.timestamp)
    if kind == "STEP_FAILURE":
        message = event.step_failure_data.error.message
        return StepEvent("failure", event.step_key, message=(explain or _first_line)(message),
                         at=entry.timestamp)
    if kind == "ASSET_MATERIALIZATION":
        metadata = event.step_materialization_data.materialization.metadata
        return StepEvent("materialized", event.step_key, metadata=_values(metadata))
    if kind == "ASSET_CHECK_EVALUATION":
        evaluation = event.event_specific_data
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        summary = evaluation.metadata.get("summary")
        message = _first_line(summary.value) if summary else descriptions.get(name) or name
        return StepEvent("checked", event.step_key, passed=evaluation.passed,
                         blocking=evaluation.severity.value == "ERROR", message=message)
    return None


def _label(step: str, assets) -> str:
    if step in STEP_LABELS:
        return STEP_LABELS[step]
    if not assets.keys:  # a check of its own: say what it checks on which asset
        check = next(iter(assets.check_keys))
        owner = STEP_LABELS.get("__".join(check.asset_key.path), check.asset_key.to_user_string())
        return f"Checking {owner}: {check.name.replace('_', ' ')}"
    key = next(iter(assets.keys))
    description = (assets.specs_by_key[key].description or "").strip()
    first = description.split(":")[0].split(". ")[0].rstrip(".")
    return first if 0 < len(first) <= 70 else key.to_user_string()


def _values(metadata: dict) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


def _first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")
