"""What each dbt test makes sure of, in a sentence, for the check it becomes in Dagster.

dbt names a generic test after its macro, model and arguments (`unique_ar_ledger_invoice_key`,
`accepted_values_int_invoices_deduplicated_financial_source__salesforce__tracker`, or a hash when
that gets long); the Dagster UI shows this description beside the name, and `ledgerloop run`
prints it for a failed check. A test's own `description:` in the YAML wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]""")
_MAX_VALUES = 8


def describe_test(test: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    """One or two sentences for a dbt test node of `manifest`."""
    if (test.get("description") or "").strip():
        return test["description"].strip()
    metadata = test.get("test_metadata") or {}
    if not metadata:  # a singular test: its file name is the sentence
        words = test["name"].removeprefix("assert_").replace("_", " ")
        where = test.get("original_file_path") or f"{test['name']}.sql"
        return f"{words[:1].upper()}{words[1:]} (the query in {where} finds no row that breaks it)."
    model = manifest["nodes"].get(test.get("attached_node") or "", {})
    kwargs = metadata.get("kwargs") or {}
    column = test.get("column_name") or kwargs.get("column_name") or ""
    template = _TEMPLATES.get(metadata["name"])
    model_name = model.get("name", "the model")
    sentence = template(model_name, column, kwargs) if template else _generic(metadata["name"], model_name,
                                                                              column, manifest)
    documented = ((model.get("columns") or {}).get(column) or {}).get("description", "").strip()
    return f"{sentence} {column}: {documented}" if documented else sentence


def _accepted(model: str, column: str, kwargs: Mapping[str, Any]) -> str:
    values = kwargs.get("values") or []
    if isinstance(values, str):  # a Jinja expression, e.g. `{{ aging_bucket_labels() }}`
        expression = values.strip("{} ")
        call = re.fullmatch(r"(\w+)\(\)", expression)
        what = call[1].replace("_", " ") if call else "values of"
        return f"{column} in {model} is always one of the {what} (`{expression}`)."
    values = [str(v) for v in values]
    shown = ", ".join(values[:_MAX_VALUES]) + (f" (and {len(values) - _MAX_VALUES} more)"
                                              if len(values) > _MAX_VALUES else "")
    return f"{column} in {model} is always one of: {shown}."


def _related(model: str, column: str, kwargs: Mapping[str, Any]) -> str:
    target = _REF.search(str(kwargs.get("to", "")))
    other = target[1] if target else str(kwargs.get("to", "another model"))
    return f"Every {column} in {model} is found in {other}.{kwargs.get('field', column)}."


def _listed(columns: list[str]) -> str:
    return columns[0] if len(columns) == 1 else f"{', '.join(columns[:-1])} and {columns[-1]}"


def _filled(model: str, _column: str, kwargs: Mapping[str, Any]) -> str:
    columns = list(kwargs.get("columns") or [])
    verb = "is" if len(columns) == 1 else "are"
    return f"{_listed(columns)} {verb} filled in on every row of {model}."


def _non_negative(model: str, _column: str, kwargs: Mapping[str, Any]) -> str:
    columns = list(kwargs.get("columns") or [])
    verb = "is" if len(columns) == 1 else "are"
    return f"{_listed(columns)} in {model} {verb} never below zero."


def _combination(model: str, _column: str, kwargs: Mapping[str, Any]) -> str:
    return f"No two rows of {model} have the same {' + '.join(kwargs.get('columns') or [])}."


_TEMPLATES: dict[str, Callable[[str, str, Mapping[str, Any]], str]] = {
    "not_null": lambda model, column, _: f"{column} is filled in on every row of {model}.",
    "filled": _filled,
    "unique": lambda model, column, _: f"No two rows of {model} have the same {column}.",
    "accepted_values": _accepted,
    "relationships": _related,
    "non_negative": _non_negative,
    "unique_combination": _combination,
    "worklist_drivers_sum_to_score": lambda model, _c, kwargs: (
        f"On every row of {model}, the points of the drivers add up to "
        f"{kwargs.get('score', 'priority_score')} exactly."
    ),
}


def _generic(name: str, model: str, column: str, manifest: Mapping[str, Any]) -> str:
    """A generic test without a template: its macro's description, else its name in words."""
    macro = next((m for key, m in manifest.get("macros", {}).items() if key.endswith(f".test_{name}")), {})
    about = (macro.get("description") or "").strip() or name.replace("_", " ")
    target = f"{model}.{column}" if column else model
    return f"{about[:1].upper()}{about[1:].rstrip('.')} on {target}."
