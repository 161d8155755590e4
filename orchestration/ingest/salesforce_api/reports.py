"""Invoice rows from a Salesforce report through the synchronous Reports API.

Cells are read by value (the label is formatted for the report's locale), and reports past
the API's 2,000-row limit are paged on a unique, sortable column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from simple_salesforce import Salesforce

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError, translate_errors
from orchestration.ingest.salesforce_api.values import canonical

Row = dict[str, str | None]
REPORT_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")


def fetch_report_rows(
    sf: Salesforce, report_id: str, columns: dict[str, str], page_column: str | None = None
) -> Iterator[Row]:
    """Rows of ledger field -> canonical text, for `columns` (ledger field -> API column name).

    The first run happens now, so a bad id, session or mapping fails before any row is used.
    """
    if not REPORT_ID.fullmatch(report_id):
        raise SalesforceExtractError(f"{report_id!r} is not a Salesforce report id")
    what = f"Salesforce report {report_id}"
    first = _run(sf, report_id, None, what)
    wanted = {*columns.values(), *([page_column] if page_column else [])}
    positions = _positions(first, wanted, what)
    if first.get("allData", True):
        return _ledger_rows(_cells(first, positions), columns)
    if page_column is None:
        raise SalesforceExtractError(
            f"{what} has more than 2,000 rows, the most the synchronous Reports API returns: "
            "set sources.salesforce.api.report_page_column to a unique, sortable column to "
            "page through it, or use sources.salesforce.api.soql"
        )
    pages = _pages(sf, report_id, first["reportMetadata"], wanted, page_column, what)
    return _ledger_rows(pages, columns)


def _run(sf: Salesforce, report_id: str, metadata: dict | None, what: str) -> dict:
    """One synchronous run with detail rows: GET as saved, or POST with changed metadata."""
    path = f"analytics/reports/{report_id}"
    params = {"includeDetails": "true"}
    with translate_errors(what, (sf.session_id,)):
        if metadata is None:
            return sf.restful(path, params=params)
        return sf.restful(path, params=params, method="POST", json={"reportMetadata": metadata})


def _positions(response: dict, wanted: Iterable[str], what: str) -> dict[str, int]:
    """Index of each wanted API column among the report's detail columns (the cell order)."""
    detail = list(response["reportMetadata"]["detailColumns"])
    missing = sorted(name for name in wanted if name not in detail)
    if missing:
        raise SalesforceExtractError(
            f"{what} has no detail column {', '.join(missing)}; its detail columns are "
            f"{', '.join(detail)}"
        )
    return {name: detail.index(name) for name in wanted}


def _cells(response: dict, positions: dict[str, int]) -> Iterator[dict[str, Any]]:
    """API column -> raw cell value, for every detail row of the response."""
    fact_map = response["factMap"]
    for key in _detail_keys(fact_map):
        for row in fact_map[key].get("rows") or []:
            cells = row["dataCells"]
            yield {name: _cell_value(cells[index]) for name, index in positions.items()}


def _detail_keys(fact_map: dict) -> list[str]:
    """The `...!T` keys whose rows are not repeated under a deeper grouping.

    `T!T` is the grand total and `0_1!T` a group inside `0!T`: only the innermost keys
    are read, so a row is never counted twice whatever level carries detail rows.
    """
    downs = [key.removesuffix("!T") for key in fact_map if key.endswith("!T")]
    parents = {"T"} if len(downs) > 1 else set()
    for down in downs:
        parts = down.split("_")
        parents.update("_".join(parts[:depth]) for depth in range(1, len(parts)))
    return [f"{down}!T" for down in downs if down not in parents]


def _cell_value(cell: dict) -> Any:
    """The cell's value, never its label; a currency value is {amount, currency}."""
    value = cell.get("value")
    if isinstance(value, dict) and "amount" in value:
        return value["amount"]
    return value


def _ledger_rows(cells: Iterable[dict[str, Any]], columns: dict[str, str]) -> Iterator[Row]:
    for raw in cells:
        yield {field: canonical(field, raw[name]) for field, name in columns.items()}


def _pages(
    sf: Salesforce, report_id: str, metadata: dict, wanted: set[str], page_column: str, what: str
) -> Iterator[dict[str, Any]]:
    """All rows, one sorted run at a time, each starting after the last value of the previous.

    The first (unsorted) run is not reused: its last value says nothing about the rest.
    """
    after: Any = None
    while True:
        response = _run(sf, report_id, _page_metadata(metadata, page_column, after), what)
        rows = list(_cells(response, _positions(response, wanted, what)))
        yield from rows
        if response.get("allData", True):
            return
        after = _next_cursor(rows, page_column, after, what)


def _page_metadata(metadata: dict, page_column: str, after: Any) -> dict:
    """The saved report made tabular and sorted on `page_column`, past `after` if set.

    Groupings go (a grouped report sorts only within its groups, which breaks the cursor),
    and with them the chart and any grouping-level aggregates that need them.
    """
    filters = list(metadata.get("reportFilters") or [])
    logic = metadata.get("reportBooleanFilter")
    if after is not None:
        filters.append({"column": page_column, "operator": "greaterThan", "value": str(after)})
        if logic:
            logic = f"({logic}) AND {len(filters)}"
    page = {key: value for key, value in metadata.items() if key != "chart"}
    page.update(
        reportFormat="TABULAR",
        groupingsDown=[],
        groupingsAcross=[],
        aggregates=["RowCount"],
        sortBy=[{"sortColumn": page_column, "sortOrder": "Asc"}],
        reportFilters=filters,
        reportBooleanFilter=logic,
    )
    return page


def _next_cursor(rows: list[dict[str, Any]], page_column: str, after: Any, what: str) -> Any:
    """The last page value, refusing a cursor that would skip or repeat rows."""
    last = rows[-1][page_column] if rows else None
    ties = len(rows) > 1 and rows[-2][page_column] == last
    if last is None or last == after or ties:
        raise SalesforceExtractError(
            f"{what} cannot be paged on {page_column}: it must be unique and never empty "
            f"(page ended on {last!r})"
        )
    return last
