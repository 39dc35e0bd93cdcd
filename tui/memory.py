"""The garbage collector's share of frame time, kept small.

Two measures, both measured on the 100,000-row stream (`tests/bench/bench_responsiveness.py`),
where full collections were the slowest frames (60-90 ms each, several a minute):
- what exists once the app has started (modules, classes, the screens, the account shown) lives
  until the end: `freeze_long_lived` moves it out of the collector's scans;
- `IdleCollector`: full collections wait for a pause in the user's input (young generations are
  still collected as usual), so keys held down never meet one.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_SECONDS = 0.5
"""Input pause after which a deferred full collection may run."""
FULL_EVERY = 10
"""Collections of the middle generation between two full ones (Python's own default)."""


def freeze_long_lived(*, collect: bool = True) -> None:
    """Exclude every object alive now from later collections, after collecting the garbage
    among them (unless `collect` is False: before the first frame that pass costs ~50 ms)."""
    if collect:
        gc.collect()
    gc.freeze()


class IdleCollector:
    """Runs the full collections Python would run, but only while input pauses."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_input = clock()
        self.full_collections = 0

    def start(self) -> None:
        """Take full collections over from Python (the young generations stay automatic)."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, 1_000_000)

    def stop(self) -> None:
        """Give full collections back to Python."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_EVERY)

    def note_input(self) -> None:
        """A key or mouse event arrived."""
        self._last_input = self._clock()

    def tick(self) -> bool:
        """Run a full collection if one is due and the input has paused; whether it ran."""
        due = gc.get_count()[2] >= FULL_EVERY
        if not due or self._clock() - self._last_input < IDLE_SECONDS:
            return False
        gc.collect()
        self.full_collections += 1
        return True
