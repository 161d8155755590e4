"""A load that quarantines a large share of its rows has a systematic problem (an office the
policy does not list yet, a renamed column, a new export layout), not a few bad rows. Building
the ledger on it would present a shrunken book as the truth, so it fails a blocking check that
names the top reasons; the next run, with nothing new, is judged on its own rows."""

from __future__ import annotations

import dagster as dg

CHECK_NAME = "rows_quarantined_share"


def quarantine_share_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        CHECK_NAME, asset=asset_key, blocking=True,
        description="The rows this run read from the source's new files: no more than the policy's "
        "sources.intake.max_quarantined_share of them quarantined.",
    )


def quarantine_share_result(con, source: str, file_hashes: list[str], rows_read: int,
                            rows_quarantined: int, limit: float) -> dg.AssetCheckResult:
    """Passed unless this run's new files quarantined more than `limit` of their rows."""
    share = rows_quarantined / rows_read if rows_read else 0.0
    passed = share <= limit
    reasons = [] if passed else con.execute(
        "select reason, count(*) as n from quarantine.rejected_rows "
        "where file_sha256 in (select unnest(?::varchar[])) group by reason "
        "order by n desc, reason limit 3",
        [file_hashes],
    ).fetchall()
    summary = (
        f"{source}: {rows_quarantined:,} of {rows_read:,} rows quarantined "
        f"({share:.0%}, the policy allows {limit:.0%})"
        + "".join(f"\n  {count:,} x {reason}" for reason, count in reasons)
    )
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=passed,
        metadata={
            "rows_read": rows_read, "rows_quarantined": rows_quarantined,
            "share": round(share, 4), "limit": limit,
            "summary": dg.MetadataValue.text(summary),
        },
    )
