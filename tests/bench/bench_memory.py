"""Memory: peak RSS of the app after loading the 100,000 participations into the table, and the
bytes each row adds (RSS after - RSS before opening the collection, over the rows).

The real app on a pty (see `_app_probe.py`), the cache empty, the sandbox in another process.
Target: peak RSS <= 150 MB.
"""

from __future__ import annotations

from _common import parse_args, report, stream_big_promotion


def main() -> None:
    args = parse_args(__doc__)
    found = stream_big_promotion(args.short, key_interval=3600)
    rows = found["rows"]
    before, after, peak = found["rss_before_mib"], found["rss_after_mib"], found["peak_rss_mib"]
    per_row = (after - before) * 2**20 / max(rows, 1)
    print(f"{rows:,} rows loaded in {found['load_seconds']:.1f} s ({found['state']})")
    print(
        f"RSS before opening {before:.0f} MiB, after loading {after:.0f} MiB, peak {peak:.0f} MiB"
    )
    peak_mb = peak * 2**20 / 1e6
    report(
        "memory",
        f"peak RSS {peak_mb:.0f} MB with {rows:,} rows, {per_row:,.0f} bytes per row",
        "<= 150 MB",
        peak_mb <= 150,
        args.short,
    )


if __name__ == "__main__":
    main()
