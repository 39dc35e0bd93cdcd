"""Per-account rate limit in fixed windows aligned on the epoch, as the Easypromos seed describes.

Window `i` covers [i * minute, (i + 1) * minute). Once `limit` calls were admitted in a window,
every further call of that account is rejected (429) until the next boundary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_KEPT_WINDOWS = 10_000


@dataclass
class Window:
    account: str
    index: int
    count: int = 0
    rejected: int = 0

    def as_dict(self, minute_seconds: float) -> dict[str, object]:
        return {
            "account": self.account,
            "index": self.index,
            "start": self.index * minute_seconds,
            "count": self.count,
            "rejected": self.rejected,
        }


class RateLimiter:
    """Counts calls per (account, window); `limit=None` admits everything (still counted)."""

    def __init__(
        self,
        limit: int | None = 200,
        minute_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.minute_seconds = minute_seconds
        self._clock = clock
        self._windows: dict[tuple[str, int], Window] = {}
        self._lock = threading.Lock()

    def window_index(self, now: float | None = None) -> int:
        return int((self._clock() if now is None else now) // self.minute_seconds)

    def admit(self, account: str) -> bool:
        """Count one call; False when the account is over its limit in the current window."""
        key = (account, self.window_index())
        with self._lock:
            window = self._windows.get(key)
            if window is None:
                if len(self._windows) >= _KEPT_WINDOWS:
                    self._windows.pop(next(iter(self._windows)))
                window = self._windows[key] = Window(account, key[1])
            if self.limit is not None and window.count >= self.limit:
                window.rejected += 1
                return False
            window.count += 1
            return True

    def windows(self) -> list[dict[str, object]]:
        with self._lock:
            return [w.as_dict(self.minute_seconds) for w in self._windows.values()]

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
