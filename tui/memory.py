"""The garbage collector's share of frame time, kept small.

What exists once the app has started (modules, classes, the screens, the account shown) lives
until the end: `freeze_long_lived` moves it out of the collector's scans, so the full collections
that streaming rows trigger now and then scan the young objects only. Measured on the
100,000-row stream (`tests/bench/bench_responsiveness.py`): their pauses were the slowest frames.
"""

from __future__ import annotations

import gc


def freeze_long_lived(*, collect: bool = True) -> None:
    """Exclude every object alive now from later collections, after collecting the garbage
    among them (unless `collect` is False: before the first frame that pass costs ~50 ms)."""
    if collect:
        gc.collect()
    gc.freeze()
