"""Every table of some schemas, read from DuckDB or PostgreSQL as comparable values, so tests can
say two warehouses hold the same rows: numbers by value (a float to 9 significant digits, as the
engines' float arithmetic may differ in the last bits), JSON parsed, lists as tuples."""

from __future__ import annotations

import json
import math
from collections import Counter
from decimal import Decimal
from typing import Any

RUN_STAMPS = {"run_id", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"}
"""Columns saying which run or moment wrote a row, not what it holds."""
ENGINE_FINGERPRINTS = {"inputs_fingerprint"}
"""Columns hashing a row's inputs with the engine's own hash (`ll_row_hash`): the same inputs give
one value on DuckDB and another on PostgreSQL, so they compare within an engine only
(tests/e2e/test_incremental_runs.py compares them)."""
_LIST_TABLES = (
    "select table_schema, table_name from information_schema.tables "
    "where table_schema = any(%(schemas)s) order by table_schema, table_name"
)
_COLUMNS = (
    "select column_name, data_type from information_schema.columns "
    "where table_schema = %(schema)s and table_name = %(table)s order by ordinal_position"
)


def comparable(value: Any, is_json: bool = False) -> Any:
    if value is None:
        return None
    if is_json:
        parsed = json.loads(value) if isinstance(value, str) else value
        return json.dumps(parsed, sort_keys=True)
    if isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal | int):
        number = float(value)
        if math.isfinite(number) and number == int(number) and abs(number) < 2**53:
            return int(number)
        return float(f"{number:.9g}")
    if isinstance(value, list | tuple):
        return tuple(comparable(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _query(con, statement: str, params: dict) -> list[tuple]:
    if hasattr(con, "cursor") and not hasattr(con, "table"):  # psycopg
        return con.execute(statement, params).fetchall()
    return con.execute(statement.replace("%(", "$").replace(")s", ""), params).fetchall()


def warehouse_tables(con, schemas: tuple[str, ...]) -> dict[str, Counter]:
    """`schema.table` -> its rows (run stamps and engine fingerprints left out) as a multiset of
    comparable tuples."""
    found = {}
    for schema, table in _query(con, _LIST_TABLES, {"schemas": list(schemas)}):
        columns = [(name, kind) for name, kind in _query(con, _COLUMNS, {"schema": schema, "table": table})
                   if name not in RUN_STAMPS | ENGINE_FINGERPRINTS]
        listed = ", ".join(f'"{name}"' for name, _ in columns)
        is_json = [kind.lower() in ("json", "jsonb") for _, kind in columns]
        rows = _query(con, f'select {listed} from "{schema}"."{table}"', {})
        found[f"{schema}.{table}"] = Counter(
            tuple(comparable(value, flag) for value, flag in zip(row, is_json, strict=True)) for row in rows
        )
    return found


def differing_tables(
    expected: dict[str, Counter], actual: dict[str, Counter], shown: int = 2
) -> dict[str, str]:
    """For each table whose rows differ: how many rows each side alone holds, and a few of them."""
    differing = {}
    for name in sorted(expected.keys() & actual.keys()):
        missing, extra = expected[name] - actual[name], actual[name] - expected[name]
        if missing or extra:
            differing[name] = (
                f"{sum(missing.values())} rows only in the first, {sum(extra.values())} only in the second; "
                f"first: {list(missing)[:shown]}; second: {list(extra)[:shown]}"
            )
    return differing
