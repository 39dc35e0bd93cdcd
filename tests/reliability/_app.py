"""Driving the app through the Pilot, and reading back exactly what it would paint."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from tests.reliability._cli import TIMEOUT_SECONDS
from tui.config import Settings
from tui.redact import Secret
from tui.sandbox import credentials as cr

SIZE = (140, 40)
COLLECTION_OFFSET = {"users": 5}  # rows under a promotion: Stages, Prize types, Prizes, Ranking
# What Textual itself writes: SGR colours and cursor moves. Anything else came from data.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;?]*[mHJKhl]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def app_settings(url: str, home: Path, **changes: Any) -> Settings:
    """Settings of a test profile against `url` (demo token; short timeout and window)."""
    values: dict[str, Any] = {
        "profile": "reliability",
        "easypromos_url": url,
        "easypromos_token": Secret(cr.DEMO_TOKEN),
        "rate_window_seconds": 0.2,
        "timeout_seconds": TIMEOUT_SECONDS,
        "config_path": home / "config.toml",
    }
    return Settings(**{**values, **changes})


async def until(pilot: Any, condition: Callable[[], object], seconds: float = 20.0) -> float:
    """Let the app run until `condition()` holds; the time it took (TimeoutError after
    `seconds`)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise TimeoutError(f"still waiting after {seconds:.0f} s")
        await pilot.pause(0.05)
    return time.monotonic() - start


async def open_collection(pilot: Any, promotion_id: int, collection: str = "users") -> Any:
    """Wait for the browser, open a promotion's collection; the browser screen."""
    from tui.screens.browser import BrowserScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, BrowserScreen))
    screen = app.screen
    await until(pilot, lambda: screen.promotions_tree.promotions)
    assert screen.open_promotion(str(promotion_id))
    await pilot.pause()
    await pilot.press(*["down"] * COLLECTION_OFFSET[collection], "enter")
    view = screen.collection
    await until(pilot, lambda: view.state == "idle" and view.table.row_count)
    return screen


@dataclass(frozen=True)
class Painted:
    """The screen as the terminal would receive it."""

    lines: list[str]  # text of each row
    terminal: str  # the bytes of a full repaint
    links: list[str]  # hyperlinks and click actions carried by styles

    def region(self, widget: Any) -> str:
        """The text inside a widget's region."""
        r = widget.region
        return "\n".join(line[r.x : r.x + r.width] for line in self.lines[r.y : r.y + r.height])

    def foreign_sequences(self) -> list[str]:
        """Control characters in the painted text, and escape sequences in the terminal bytes
        that Textual did not write itself."""
        rest = _OWN_SEQUENCES.sub("", self.terminal).replace("\r\n", "").replace("\n", "")
        return sorted(set(_CONTROL.findall(rest) + _CONTROL.findall("".join(self.lines))))


def paint(app: Any) -> Painted:
    """Render the current screen fully, as the driver would."""
    compositor = app.screen._compositor
    strips = compositor.render_strips()
    links = [
        str(seg.style.link or seg.style.meta)
        for strip in strips
        for seg in strip
        if seg.style is not None and (seg.style.link or "@click" in str(seg.style.meta))
    ]
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(compositor.render_update(full=True), end="")
    terminal = console.file.getvalue()  # type: ignore[attr-defined]
    return Painted([strip.text for strip in strips], terminal, links)
