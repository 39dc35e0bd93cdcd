"""A one-line progress display on stderr, drawn only when stderr is a terminal.

It shows records and pages done (a bar when the total is known) and, while the pacer holds
calls back for the rate limit, a countdown to the next window. Scripts and cron jobs, whose
stderr is a file or a pipe, get nothing from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import TextIO

from tui.commands._common import is_tty
from tui.inert import clean

BAR_WIDTH = 24
TICK_SECONDS = 0.25


class Progress:
    """What is done so far, redrawn in place on a terminal."""

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        waiting_until: Callable[[], float | None] | None = None,
        waiting_label: str = "rate limit: next call in",
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = is_tty(self.stream)
        self.label = clean(label)
        self.records = 0
        self.pages = 0
        self.total: int | None = None
        self.status = ""
        self._waiting_until = waiting_until
        self._waiting_label = waiting_label
        self._drawn = False

    def update(
        self,
        *,
        records: int | None = None,
        pages: int | None = None,
        total: int | None = None,
        status: str | None = None,
    ) -> None:
        """Record new figures and redraw."""
        if records is not None:
            self.records = records
        if pages is not None:
            self.pages = pages
        if total:
            self.total = total
        if status is not None:
            self.status = clean(status)
        self.draw()

    def line(self) -> str:
        """The text of the progress line."""
        parts = [self.label]
        if self.total:
            done = min(self.records, self.total)
            filled = int(BAR_WIDTH * done / self.total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            parts.append(f"[{bar}] {self.records:,}/{self.total:,}")
        elif self.records or self.pages:
            parts.append(f"{self.records:,} records")
        if self.pages:
            parts.append(f"page {self.pages:,}")
        if self.status:
            parts.append(self.status)
        until = self._waiting_until() if self._waiting_until else None
        if until is not None and until > time.time():
            parts.append(f"{self._waiting_label} {until - time.time():.0f} s")
        return " · ".join(parts)

    def draw(self) -> None:
        if not self.enabled:
            return
        self.stream.write("\r\x1b[K" + self.line())
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Remove the line, so the next message starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[Progress]:
        """Redraw a few times a second (for the countdown) while the body runs."""
        if not self.enabled:
            yield self
            return

        async def tick() -> None:
            while True:
                self.draw()
                await asyncio.sleep(TICK_SECONDS)

        task = asyncio.create_task(tick())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.clear()
