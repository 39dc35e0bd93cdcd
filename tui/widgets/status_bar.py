"""The one-line status bar: profile, API budget this minute, a countdown while calls wait for
the budget or after a 429, Ezepo role, background jobs, offline mode and the last error.

On a narrow terminal the parts that matter less give way, so that offline mode is never cut:
the Ezepo role goes first, then the jobs, then the budget's words ('8/200'). The last error
comes last, cut to what is left but for its mark '⚠ [!]' (a click shows it whole)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.widgets import tcss_beside
from tui.widgets.safe_text import clean
from tui.widgets.words import ago

GAUGE_CELLS = 10
SEPARATOR = " │ "
ERROR_MARK = "⚠ [!]"


class Budget(Protocol):
    """What the bar reads of the API pacer (`PacerState`)."""

    @property
    def used(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def window_seconds(self) -> float: ...
    @property
    def waiting_until(self) -> float | None: ...
    @property
    def budget_wait_until(self) -> float | None: ...


def gauge(used: int, limit: int, cells: int = GAUGE_CELLS) -> str:
    """A bar of `cells` blocks filled in proportion to `used` of `limit`."""
    filled = 0 if limit <= 0 else min(cells, round(cells * used / limit))
    return "▰" * filled + "▱" * (cells - filled)


def budget_wait_text(seconds: float) -> str:
    """Why a call has not gone yet, for the bar and for a dialog waiting on one."""
    return f"budget spent: next window in {max(1, round(seconds))} s"


def budget_text(state: Budget | None, now: float, *, short: bool = False) -> Content:
    """The budget gauge, or the countdown while the account is rate-limited or a call has
    waited for the budget more than a second. `short`: the gauge with '8/200' only."""
    if state is None:
        return Content.styled("API idle", "dim")
    if state.waiting_until is not None and state.waiting_until > now:
        seconds = max(1, round(state.waiting_until - now))
        return Content.styled(f"⏳ rate-limited · resumes in {seconds} s", "bold $warning")
    if state.budget_wait_until is not None:
        return Content.styled(f"⏳ {budget_wait_text(state.budget_wait_until - now)}", "$warning")
    style = "$error" if state.used >= state.limit else "$success"
    minute = "minute" if state.window_seconds == 60 else f"{state.window_seconds:g} s"
    words = (
        f"{state.used}/{state.limit}"
        if short
        else f"{state.used} of {state.limit} calls this {minute}"
    )
    return Content.assemble((gauge(state.used, state.limit), style), f" {words}")


class StatusBar(Widget):
    """Reactive pieces of session state, rendered as one line."""

    DEFAULT_CSS = tcss_beside(__file__)

    profile: reactive[str] = reactive("")
    role: reactive[str | None] = reactive(None)
    jobs: reactive[int] = reactive(0)
    offline: reactive[bool] = reactive(False)
    cached_at: reactive[float | None] = reactive(None)
    """When the account shown was read (epoch seconds); None: nothing is cached."""
    last_error: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.budget: Callable[[], Budget | None] = lambda: None
        self.error_at = 0.0
        """When the error shown happened (monotonic seconds)."""

    def show_error(self, text: str) -> None:
        """Show an error until a later call succeeds (`clear_error_if_recovered`)."""
        self.last_error, self.error_at = text, time.monotonic()

    def clear_error_if_recovered(self, succeeded_at: float) -> bool:
        """Clear the error if a call succeeded after it; whether it was cleared."""
        if self.last_error and succeeded_at > self.error_at:
            self.last_error = ""
            return True
        return False

    async def on_click(self) -> None:
        if self.last_error:
            await self.run_action("app.show_error")

    def on_mount(self) -> None:
        self.set_interval(0.5, self.refresh)

    def render(self) -> Content:
        now, budget = time.time(), self.budget()
        profile = Content.styled(f" {clean(self.profile) or '-'}", "bold")
        role = Content(f"Ezepo {self.role}") if self.role else None
        plural = "s" if self.jobs != 1 else ""
        jobs = Content.styled(f"⟳ {self.jobs} job{plural}", "$accent") if self.jobs else None
        offline = None
        if self.offline:
            cached = (
                "nothing cached" if self.cached_at is None else f"cached {ago(self.cached_at, now)}"
            )
            offline = Content.styled(f"offline · {cached}", "bold $warning")
        full, short = budget_text(budget, now), budget_text(budget, now, short=True)
        layouts = (  # the least needed part gives way first
            [profile, full, role, jobs, offline],
            [profile, full, jobs, offline],
            [profile, full, offline],
            [profile, short, offline],
        )
        error = mark = None
        if self.last_error:
            error = Content.styled(f"{ERROR_MARK} {clean(self.last_error)}", "$error")
            mark = Content(ERROR_MARK)  # (an error cut to nothing made 'offline…' look cut)
        width = self.size.width or self.app.size.width
        fits = (p for p in layouts if joined([*p, mark]).cell_length <= width)
        return joined([*next(fits, layouts[-1]), error])


def joined(parts: list[Content | None]) -> Content:
    """The parts shown, between separators."""
    return Content.styled(SEPARATOR, "dim").join(part for part in parts if part is not None)
