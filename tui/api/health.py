"""Whether calls work: when one last succeeded, and the last that succeeded only after retries."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class CallHealth:
    """When a client's call last succeeded, last failed, and last succeeded only after retries
    (monotonic seconds): what lets the app clear an error once calls work again, and say so."""

    succeeded_at: float = 0.0
    failed_at: float = 0.0
    recovered_at: float = 0.0
    recovery: str = ""

    def failed(self) -> None:
        self.failed_at = time.monotonic()

    def note(self, attempts: int, what: str) -> None:
        now = time.monotonic()
        self.succeeded_at = now
        if attempts > 1:
            self.recovered_at = now
            self.recovery = f"{what} answered after {attempts} attempts"
