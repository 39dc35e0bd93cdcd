"""Zip: peak RSS growth while fetching and extracting a 1 GiB (uncompressed) Ezepo list.

`EzepoClient.fetch_list` against the sandbox in another process (its own memory is not counted):
the job is polled, the zip streamed to disk and extracted safely. Growth = peak RSS during the
fetch (the peak is reset just before it) - RSS before it. Target: < 50 MB.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from _common import parse_args, peak_rss_mib, report, reset_peak_rss, rss_mib, sandbox_process

from tui.api.ezepo import EzepoClient
from tui.redact import Secret
from tui.sandbox import credentials as cr

LINE_BYTES = 33  # an md5 list: 32 hex digits and a newline


async def fetch(endpoint: str, dest: Path) -> tuple[int, float, float, float]:
    """(addresses, seconds, RSS before in MiB, peak RSS during in MiB)."""
    async with EzepoClient(endpoint, Secret(cr.EZEPO_ADMIN_KEY)) as client:
        await client.test()  # connection and imports warm
        before = rss_mib()
        reset_peak_rss()
        start = time.monotonic()
        result = await client.fetch_list(cr.DEMO_LIST_ID, "md5", dest, poll_seconds=0.2)
        seconds = time.monotonic() - start
        return result.count, seconds, before, peak_rss_mib()


def main() -> None:
    args = parse_args(__doc__)
    size = (50 if args.short else 1024) * 2**20
    lines = size // LINE_BYTES
    dest = Path(tempfile.mkdtemp(prefix="bench-zip-"))
    try:
        with sandbox_process(job_seconds=0.2, list_size=lines) as sandbox:
            count, seconds, before, peak = asyncio.run(fetch(sandbox.ezepo_endpoint, dest))
        extracted = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    growth_mb = (peak - before) * 2**20 / 1e6
    print(
        f"{count:,} hashes, {extracted / 2**20:,.0f} MiB on disk (zip and text) in {seconds:.1f} s "
        f"({lines * LINE_BYTES / 2**20 / seconds:,.0f} MiB/s); RSS {before:.0f} MiB before, "
        f"peak {peak:.0f} MiB"
    )
    report(
        "zip",
        f"peak RSS growth {growth_mb:.1f} MB for {lines * LINE_BYTES / 2**30:.2f} GiB "
        f"extracted ({count:,} hashes)",
        "< 50 MB",
        growth_mb < 50 and count == lines,
        args.short,
    )


if __name__ == "__main__":
    main()
