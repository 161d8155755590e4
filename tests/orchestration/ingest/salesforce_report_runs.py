"""Synchronous Reports API runs as the real API answers them, for the Salesforce double.

A generated report honours the metadata of a POSTed run (filters, filter logic, sortBy,
groupings down and across, the detail-rows setting, `includeDetails`) and answers with the
real shape: cells `{value, label}`, a `factMap` keyed `<down>!<across>` with a cell for every
pair of groups at every level (the subtotals and grand totals too), detail rows only in the
innermost cells, aggregates as the metadata lists them, and the 2,000-row cut. The captured
responses in `salesforce_samples/` (cghall/salesforce-reporting, MIT) are answered as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROW_LIMIT = 2000
SAMPLES = Path(__file__).parent / "salesforce_samples"
NEW_YORK = ZoneInfo("America/New_York")


def sample(name: str) -> dict[str, Any]:
    """A captured real response from `salesforce_samples/` (see its README for the licence)."""
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    data_type: str


INVOICE_COLUMNS = (
    Column("Invoice__c.Name", "Invoice Number", "string"),
    Column("Invoice__c.Account__c", "Account", "id"),
    Column("Account.Name", "Account Name", "string"),
    Column("Invoice__c.Office__c", "Office", "picklist"),
    Column("Invoice__c.Invoice_Date__c", "Invoice Date", "date"),
    Column("Invoice__c.Due_Date__c", "Due Date", "date"),
    Column("Invoice__c.CurrencyIsoCode", "Currency", "picklist"),
    Column("Invoice__c.Amount__c", "Amount", "currency"),
    Column("Invoice__c.Balance__c", "Balance", "currency"),
    Column("Invoice__c.Stage__c", "Stage", "picklist"),
    Column("Invoice__c.LastModifiedDate", "Last Modified Date", "datetime"),
)


def invoice(number: int, **overrides: Any) -> dict[str, Any]:
    """One invoice row of a generated report (API column -> Python value).

    A `(value, label)` pair is a cell whose value and label differ: the record Id and the name
    of a name or lookup column, the API name and the label of a picklist.
    """
    account = f"001{number % 7:015d}"
    row = {
        "Invoice__c.Name": f"INV-{number:06d}",
        "Invoice__c.Account__c": (account, f"Client {number % 7}"),
        "Account.Name": f"Client {number % 7}",
        "Invoice__c.Office__c": "New York" if number % 3 else "London",
        "Invoice__c.Invoice_Date__c": date(2026, 1, 1) + timedelta(days=number % 300),
        "Invoice__c.Due_Date__c": date(2026, 1, 31) + timedelta(days=number % 300),
        "Invoice__c.CurrencyIsoCode": "USD",
        "Invoice__c.Amount__c": 1000 + number + 0.5,
        "Invoice__c.Balance__c": 0 if number % 10 == 0 else 500 + number + 0.25,
        "Invoice__c.Stage__c": "Disputed" if number % 20 == 0 else "Invoiced",
        "Invoice__c.LastModifiedDate": datetime(2026, 11, 7, 10, 14, tzinfo=UTC),
    }
    row.update(overrides)
    return row


def cell(column: Column, value: Any) -> dict[str, Any]:
    """A data cell as the API writes it: the value raw, the label as the report shows it (a US
    user's locale and time zone, a multi-currency org), `-` for an empty cell."""
    if value is None:
        return {"value": None, "label": "-"}
    if isinstance(value, tuple):
        return {"value": value[0], "label": value[1]}
    if column.data_type == "currency":
        return {"value": {"amount": value, "currency": "USD"}, "label": f"USD {value:,.2f}"}
    if column.data_type == "date":
        return {"value": value.isoformat(), "label": f"{value.month}/{value.day}/{value.year}"}
    if column.data_type == "datetime":
        local = value.astimezone(NEW_YORK)
        label = f"{local.month}/{local.day}/{local.year} {local:%-I:%M %p}"
        return {"value": value.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": label}
    return {"value": value, "label": str(value)}


def export_text(column: Column, value: Any) -> str:
    """What the report's CSV export writes in the cell: what the report shows, empty for null."""
    return "" if value is None else cell(column, value)["label"]


def _comparable(column: Column, value: Any) -> Any:
    """What a filter or sort compares: amounts as numbers, pairs by value, the rest as text."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return value[0]
    if column.data_type == "currency":
        return Decimal(str(value))
    return value.isoformat() if isinstance(value, date) else str(value)


def _order(column: Column) -> Callable[[Any], tuple]:
    return lambda value: (value is not None, _comparable(column, value))


OPERATORS = {
    "equals": lambda a, b: a == b,
    "notEqual": lambda a, b: a != b,
    "greaterThan": lambda a, b: a is not None and a > b,
    "lessThan": lambda a, b: a is not None and a < b,
}


class ReportError(Exception):
    """A request the real API refuses with 400 BAD_REQUEST."""


@dataclass
class GeneratedReport:
    """A saved invoice report that honours the metadata of a POSTed run."""

    report_id: str
    rows: list[dict[str, Any]]
    report_format: str = "TABULAR"
    groupings_down: tuple[str, ...] = ()
    groupings_across: tuple[str, ...] = ()
    filters: list[dict[str, str]] = field(default_factory=list)
    boolean_filter: str | None = None
    columns: tuple[Column, ...] = INVOICE_COLUMNS
    detail_rows: bool = True  # the report's own Detail Rows setting
    name: str = "Open invoices"

    @property
    def metadata(self) -> dict[str, Any]:
        def groupings(names: tuple[str, ...]) -> list[dict[str, str]]:
            return [{"name": n, "sortOrder": "Asc", "dateGranularity": "None"} for n in names]

        return {
            "id": self.report_id,
            "name": self.name,
            "developerName": self.name.replace(" ", "_"),
            "reportFormat": self.report_format,
            "reportType": {"type": "Invoice__c", "label": "Invoices"},
            "currency": None,
            "detailColumns": [c.name for c in self.columns],
            "groupingsDown": groupings(self.groupings_down),
            "groupingsAcross": groupings(self.groupings_across),
            "aggregates": ["s!Invoice__c.Balance__c", "RowCount"],
            "reportFilters": list(self.filters),
            "reportBooleanFilter": self.boolean_filter,
            "sortBy": [],
            "hasDetailRows": self.detail_rows,
        }

    def run(self, posted: dict[str, Any] | None, include_details: bool) -> dict[str, Any]:
        metadata = posted or self.metadata
        by_name = {c.name: c for c in self.columns}
        rows = [r for r in self.rows if self._passes(r, metadata, by_name)]
        for sort in reversed(metadata.get("sortBy") or []):
            column = _column(by_name, sort["sortColumn"])
            rows.sort(
                key=lambda r, c=column: _order(c)(r[c.name]),
                reverse=sort["sortOrder"] == "Desc",
            )
        down = [_column(by_name, g["name"]) for g in metadata.get("groupingsDown") or []]
        across = [_column(by_name, g["name"]) for g in metadata.get("groupingsAcross") or []]
        # A grouped report lists rows group by group; sortBy only orders within a group.
        rows.sort(key=lambda r: tuple(_order(c)(r[c.name]) for c in (*down, *across)))
        details = include_details and metadata.get("hasDetailRows", True)
        return self._response(metadata, rows, down, across, details)

    def _passes(self, row: dict, metadata: dict, by_name: dict[str, Column]) -> bool:
        results = []
        for f in metadata.get("reportFilters") or []:
            column = _column(by_name, f["column"])
            value = _comparable(column, row[column.name])
            target = Decimal(f["value"]) if column.data_type == "currency" else f["value"]
            results.append(OPERATORS[f["operator"]](value, target))
        logic = metadata.get("reportBooleanFilter")
        return _evaluate(logic, results) if logic else all(results)

    def _response(
        self, metadata: dict, rows: list[dict], down: list[Column], across: list[Column], details: bool
    ) -> dict[str, Any]:
        shown = {id(r) for r in rows[:ROW_LIMIT]}
        detail = [_column({c.name: c for c in self.columns}, n) for n in metadata["detailColumns"]]
        down_groups, down_tree = _groups(rows, down)
        across_groups, across_tree = _groups(rows, across)
        fact_map = {}
        for down_key, down_rows in down_groups.items():
            for across_key, across_rows in across_groups.items():
                inside = {id(r) for r in across_rows}
                part = [r for r in down_rows if id(r) in inside]
                fact = {"aggregates": _aggregates(metadata, part)}
                if details:
                    innermost = (len(down_key), len(across_key)) == (len(down), len(across))
                    listed = [r for r in part if id(r) in shown] if innermost else []
                    fact["rows"] = [{"dataCells": [cell(c, r[c.name]) for c in detail]} for r in listed]
                fact_map[f"{_key(down_key)}!{_key(across_key)}"] = fact
        path = f"/services/data/v59.0/analytics/reports/{self.report_id}"
        return {
            "attributes": {
                "type": "Report",
                "reportId": self.report_id,
                "reportName": metadata.get("name", self.name),
                "describeUrl": f"{path}/describe",
                "instancesUrl": f"{path}/instances",
            },
            "allData": len(rows) <= ROW_LIMIT,
            "hasDetailRows": details,
            "factMap": fact_map,
            "groupingsAcross": {"groupings": across_tree},
            "groupingsDown": {"groupings": down_tree},
            "reportExtendedMetadata": {
                "detailColumnInfo": {
                    c.name: {"label": c.label, "dataType": c.data_type} for c in detail
                },
                "aggregateColumnInfo": {
                    "RowCount": {
                        "label": "Record Count",
                        "dataType": "int",
                        "acrossGroupingContext": None,
                        "downGroupingContext": None,
                    }
                },
                "groupingColumnInfo": {
                    c.name: {"label": c.label, "dataType": c.data_type, "groupingLevel": level}
                    for grouping in (down, across)
                    for level, c in enumerate(grouping)
                },
            },
            "reportMetadata": metadata,
        }


def _column(by_name: dict[str, Column], name: str) -> Column:
    if name not in by_name:
        raise ReportError(f"The column {name} is not available in this report type")
    return by_name[name]


def _groups(rows: list[dict], columns: list[Column]) -> tuple[dict[tuple, list[dict]], list[dict]]:
    """The rows of every group at every level by its position path (`()` is every row), and
    the `groupings` tree the API returns (value, label, key like `0_3`, inner groupings)."""
    members: dict[tuple, list[dict]] = {(): rows}

    def split(path: tuple, part: list[dict], level: int) -> list[dict]:
        if level == len(columns):
            return []
        column = columns[level]
        nodes = []
        for index, value in enumerate(sorted({r[column.name] for r in part}, key=_order(column))):
            key = (*path, index)
            members[key] = [r for r in part if r[column.name] == value]
            node = cell(column, value)
            inner = split(key, members[key], level + 1)
            nodes.append({**node, "key": _key(key), "groupings": inner})
        return nodes

    return members, split((), rows, 0)


def _key(path: tuple) -> str:
    return "_".join(map(str, path)) if path else "T"


def _aggregates(metadata: dict, rows: list[dict]) -> list[dict[str, Any]]:
    """Each aggregate the metadata names, over `rows`: record counts and sums."""
    values = []
    for aggregate in metadata.get("aggregates") or []:
        if aggregate == "RowCount":
            values.append({"value": len(rows), "label": str(len(rows))})
            continue
        total = sum(r[aggregate.removeprefix("s!")] or 0 for r in rows)
        values.append({"value": total, "label": f"USD {total:,.2f}"})
    return values


def _evaluate(logic: str, results: list[bool]) -> bool:
    """Salesforce filter logic like `(1 OR 2) AND 3`; every filter must be referenced."""
    tokens = re.findall(r"\d+|AND|OR|NOT|\(|\)|\S", logic.upper())
    numbers = {int(t) for t in tokens if t.isdigit()}
    if numbers != set(range(1, len(results) + 1)) or not set(tokens) <= {
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        *map(str, numbers),
    }:
        raise ReportError(f"The filter logic {logic!r} doesn't reference each filter once")
    words = {"AND": " and ", "OR": " or ", "NOT": " not ", "(": "(", ")": ")"}
    expression = "".join(words.get(t) or str(results[int(t) - 1]) for t in tokens)
    return eval(expression, {"__builtins__": {}})  # only True/False/and/or/not/() reach here


@dataclass
class SavedReport:
    """A captured real response, answered as is."""

    response: dict[str, Any]

    def run(self, posted: dict[str, Any] | None, include_details: bool) -> dict[str, Any]:
        return self.response
