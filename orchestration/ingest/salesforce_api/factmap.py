"""The detail rows of one Reports API run, each exactly once, whatever the report's format.

`factMap` keys are `<down>!<across>`: `T` for a grand total, otherwise the group's position at
each level joined by `_` (`0_3!1_0`: the fourth down group inside the first, in the first
across group inside the second). Tabular reports keep their rows under `T!T`, summary reports
under `<down>!T`, matrix reports under `<down>!<across>`: always in the innermost cells, as
deep as the report's groupings in each direction. Every other key is a subtotal whose rows,
where a response repeats them, would count each row twice.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError

KEY = re.compile(r"(T|\d+(?:_\d+)*)!(T|\d+(?:_\d+)*)")
DETAILS_OFF = (
    "turn on its detail rows (Lightning: the Detail Rows toggle; Classic: Show Details) and "
    "save it"
)


def detail_rows(response: dict[str, Any], what: str) -> list[list[dict[str, Any]]]:
    """The `dataCells` of every detail row; refuses a run that cannot show them all.

    Rows under a subtotal key must repeat rows of its innermost cells, and when the run holds
    all data the rows are counted against the report's own record count (its `RowCount`
    grand total, where the report aggregates one).
    """
    what = named(what, response)
    _check_readable(response, what)
    metadata = response["reportMetadata"]
    depth = (len(metadata.get("groupingsDown") or []), len(metadata.get("groupingsAcross") or []))
    fact_map = response.get("factMap") or {}
    keys = {key: _parse(key, what) for key in fact_map}
    innermost = sorted(
        (levels, key) for key, levels in keys.items() if tuple(map(len, levels)) == depth
    )
    counts = {levels: len(fact_map[key].get("rows") or []) for levels, key in innermost}
    for key, levels in keys.items():
        if levels not in counts:
            _check_subtotal(key, levels, len(fact_map[key].get("rows") or []), counts, what)
    rows = [row["dataCells"] for _, key in innermost for row in fact_map[key].get("rows") or []]
    if response.get("allData", True):
        _check_count(response, len(rows), what)
    return rows


def named(what: str, response: dict[str, Any]) -> str:
    """`what` with the report's name, as staff know it (`… ('Open invoices')`)."""
    name = (response.get("attributes") or {}).get("reportName") or (
        response.get("reportMetadata") or {}
    ).get("name")
    return f"{what} ({name!r})" if name and name not in what else what


def _check_readable(response: dict[str, Any], what: str) -> None:
    """A joined report, or a run of totals only, has no detail rows to read."""
    metadata = response["reportMetadata"]
    if metadata.get("reportFormat") == "MULTI_BLOCK":
        raise SalesforceExtractError(
            f"{what} is a joined report (MULTI_BLOCK): its blocks have columns of their own, "
            "so it has no one set of detail rows to map; set sources.salesforce.api.report_id "
            "to a tabular, summary or matrix report (e.g. the block's own report), or use "
            "sources.salesforce.api.soql"
        )
    if response.get("hasDetailRows") is False:
        saved_off = " (it is saved with them off)" if metadata.get("hasDetailRows") is False else ""
        raise SalesforceExtractError(
            f"{what} returned no detail rows (hasDetailRows: false), only its totals"
            f"{saved_off}: {DETAILS_OFF}"
        )


def _parse(key: str, what: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(down levels, across levels) of a key: `0_3!T` is ((0, 3), ())."""
    match = KEY.fullmatch(key)
    if match is None:
        raise SalesforceExtractError(
            f"{what} has a factMap key {key!r}, not a <down>!<across> grouping key"
        )
    down, across = (() if part == "T" else tuple(map(int, part.split("_"))) for part in match.groups())
    return down, across


def _check_subtotal(key: str, levels: tuple, rows: int, counts: dict, what: str) -> None:
    """A subtotal may repeat its innermost cells' rows, never hold rows they do not."""
    if not rows:
        return
    down, across = levels
    below = sum(
        count
        for (inner_down, inner_across), count in counts.items()
        if inner_down[: len(down)] == down and inner_across[: len(across)] == across
    )
    if rows != below:
        raise SalesforceExtractError(
            f"{what} has {rows} detail rows under its subtotal {key!r} but {below} in the "
            "groups inside it: the response is not one ledgerloop can read completely"
        )


def _check_count(response: dict[str, Any], read: int, what: str) -> None:
    """Rows read against the grand total's record count, when the report aggregates one."""
    aggregates = response["reportMetadata"].get("aggregates") or []
    total = (response.get("factMap") or {}).get("T!T") or {}
    values = total.get("aggregates") or []
    if "RowCount" not in aggregates or len(values) != len(aggregates):
        return
    counted = values[aggregates.index("RowCount")].get("value")
    if counted is not None and int(counted) != read:
        raise SalesforceExtractError(
            f"{what} counts {int(counted)} records but its detail cells hold {read} rows: the "
            "response is not one ledgerloop can read completely"
        )
