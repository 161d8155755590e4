"""Invoice rows from a Salesforce report through the synchronous Reports API.

Tabular, summary and matrix reports are read (every detail row once, see `factmap`); each
ledger field takes its cell's label or value as the policy says (`report_cells`); reports past
the API's 2,000-row limit are paged on a unique, sortable column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError, translate_errors
from orchestration.ingest.salesforce_api.factmap import detail_rows, named
from orchestration.ingest.salesforce_api.values import canonical
from orchestration.policy.report_cells import DEFAULT_REPORT_CELLS, CellPart

if TYPE_CHECKING:  # the client library loads only when an org is configured (connect)
    from simple_salesforce import Salesforce

Row = dict[str, str | None]
Cells = dict[str, dict[str, Any]]  # API column -> its {value, label} cell
REPORT_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")


def fetch_report_rows(
    sf: Salesforce,
    report_id: str,
    columns: dict[str, str],
    page_column: str | None = None,
    parts: Mapping[str, CellPart] = DEFAULT_REPORT_CELLS,
) -> Iterator[Row]:
    """Rows of ledger field -> canonical text, for `columns` (ledger field -> API column name).

    `parts` says per ledger field whether to take the cell's label or its value (fields it
    leaves out take the policy's defaults). The first run happens now, so a bad id, session,
    mapping or report fails before any row is used.
    """
    parts = {**DEFAULT_REPORT_CELLS, **parts}
    if not REPORT_ID.fullmatch(report_id):
        raise SalesforceExtractError(f"{report_id!r} is not a Salesforce report id")
    what = f"Salesforce report {report_id}"
    first = _run(sf, report_id, None, what)
    wanted = {*columns.values(), *([page_column] if page_column else [])}
    rows = _cells(first, wanted, what)
    if first.get("allData", True):
        return _ledger_rows(rows, columns, parts)
    if page_column is None:
        raise SalesforceExtractError(
            f"{named(what, first)} has more than 2,000 rows, the most the synchronous Reports "
            "API returns: set sources.salesforce.api.report_page_column to a unique, sortable "
            "column to page through it, or use sources.salesforce.api.soql"
        )
    pages = _pages(sf, report_id, first["reportMetadata"], wanted, page_column, what)
    return _ledger_rows(pages, columns, parts)


def _run(sf: Salesforce, report_id: str, metadata: dict | None, what: str) -> dict:
    """One synchronous run with detail rows: GET as saved, or POST with changed metadata."""
    path = f"analytics/reports/{report_id}"
    params = {"includeDetails": "true"}
    with translate_errors(what, (sf.session_id,)):
        if metadata is None:
            return sf.restful(path, params=params)
        return sf.restful(path, params=params, method="POST", json={"reportMetadata": metadata})


def _cells(response: dict, wanted: Iterable[str], what: str) -> list[Cells]:
    """The wanted columns' cells of every detail row of one run (its rows are in memory)."""
    positions = _positions(response, wanted, what)
    return [
        {name: cells[index] for name, index in positions.items()}
        for cells in detail_rows(response, what)
    ]


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


def _cell_part(cell: dict[str, Any], part: CellPart) -> Any:
    """The cell's label or value; an empty cell is null either way (its label is `-`)."""
    value = cell.get("value")
    if value is None or part == "value":
        return value
    return cell.get("label")


def _ledger_rows(
    rows: Iterable[Cells], columns: dict[str, str], parts: Mapping[str, CellPart]
) -> Iterator[Row]:
    for cells in rows:
        yield {
            field: canonical(field, _cell_part(cells[name], parts[field]))
            for field, name in columns.items()
        }


def _pages(
    sf: Salesforce, report_id: str, metadata: dict, wanted: set[str], page_column: str, what: str
) -> Iterator[Cells]:
    """All rows, one sorted run at a time, each starting after the last value of the previous.

    The first (unsorted) run is not reused: its last value says nothing about the rest.
    """
    after: Any = None
    while True:
        response = _run(sf, report_id, _page_metadata(metadata, page_column, after), what)
        rows = _cells(response, wanted, what)
        yield from rows
        if response.get("allData", True):
            return
        after = _next_cursor([_sort_value(row[page_column]) for row in rows], page_column, after, what)


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


def _sort_value(cell: dict[str, Any]) -> Any:
    """What a filter on the column compares: the value (an amount's number)."""
    value = cell.get("value")
    return value["amount"] if isinstance(value, dict) and "amount" in value else value


def _next_cursor(values: list[Any], page_column: str, after: Any, what: str) -> Any:
    """The last page value, refusing a cursor that would skip or repeat rows."""
    last = values[-1] if values else None
    ties = len(values) > 1 and values[-2] == last
    if last is None or last == after or ties:
        raise SalesforceExtractError(
            f"{what} cannot be paged on {page_column}: it must be unique and never empty "
            f"(page ended on {last!r})"
        )
    return last
