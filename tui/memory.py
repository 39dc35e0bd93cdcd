"""The garbage collector's share of frame time, kept small.

Once the app has started (modules imported, screens built, the account shown), what exists will
live until the end: `freeze_long_lived` moves it out of the collector's scans, so the full
collections that rows streaming in trigger now and then scan the young objects only. Measured
on the 100,000-row stream (`tests/bench/bench_responsiveness.py`): their pauses were the slowest
frames (up to ~200 ms on a loaded 2-core machine).
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_long_lived() -> None:
    """Collect once, then exclude every object alive now from later collections (once)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
