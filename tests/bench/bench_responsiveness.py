"""Responsiveness: key press -> repaint while the 100,000-participation table streams in.

The real app runs on a pty (see `_app_probe.py`) with the cache empty and no rate limit, so pages
arrive as fast as the sandbox serves them (a worst case for the screen). A "down" key every 100 ms;
latency = from posting the key to the end of the first frame showing the moved cursor. Event-loop
lag = how late a 10 ms sleep wakes. Target: key -> repaint p99 < 50 ms.
"""

from __future__ import annotations

from _common import parse_args, percentile, report, stream_big_promotion


def main() -> None:
    args = parse_args(__doc__)
    found = stream_big_promotion(args.short, key_interval=0.1)
    keys = [s * 1000 for s in found["latencies"]]
    lags = [s * 1000 for s in found["lags"]]
    print(
        f"streamed {found['rows']:,} rows in {found['load_seconds']:.1f} s ({found['state']}); "
        f"{len(keys)} keys, {found['unanswered']} not repainted by the end"
    )
    for name, values in (("key -> repaint", keys), ("event-loop lag", lags)):
        print(
            f"{name:<15} p50 {percentile(values, 50):6.1f} ms  p99 {percentile(values, 99):6.1f} ms"
            f"  max {max(values, default=0):6.1f} ms  ({len(values)} samples)"
        )
    spent = sorted(found["render_seconds"].items(), key=lambda item: -item[1][0])[:6]
    print("render time by widget: " + ", ".join(f"{k} {v[0]:.2f} s/{v[1]}" for k, v in spent))
    layouts = sorted(found["layout_refreshes"].items(), key=lambda item: -item[1])[:6]
    print("refresh(layout=True) by widget: " + ", ".join(f"{k} {v}" for k, v in layouts))
    p99 = percentile(keys, 99)
    report(
        "responsiveness",
        f"key -> repaint p99 {p99:.0f} ms (p50 {percentile(keys, 50):.0f}), event-loop lag p99 "
        f"{percentile(lags, 99):.0f} ms, while {found['rows']:,} rows streamed in",
        "p99 < 50 ms",
        p99 < 50 and found["unanswered"] <= 1,
        args.short,
    )


if __name__ == "__main__":
    main()
