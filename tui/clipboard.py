"""Copy text for the user: the terminal's clipboard (OSC 52, works over SSH) and the system one.

Neither can be confirmed from inside the app: OSC 52 is sent to a real terminal that may ignore it,
and pyperclip needs a local clipboard tool (absent over SSH or on a headless box). `copy_text`
reports what it tried and what worked so the caller can say so, and show the text selected for a
manual copy when nothing did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyperclip
from textual.app import App


@dataclass(frozen=True)
class CopyResult:
    """Which routes carried the text: the terminal (OSC 52) and/or the system clipboard."""

    terminal: bool
    system: bool

    @property
    def copied(self) -> bool:
        return self.terminal or self.system

    def _routes(self) -> tuple[tuple[str, bool], ...]:
        return (("terminal (OSC 52)", self.terminal), ("system clipboard", self.system))

    def describe(self, what: str = "Text") -> str:
        """A one-line notification that says where `what` went."""
        routes = [name for name, ok in self._routes() if ok]
        if not routes:
            return f"{what} could not be copied automatically: select it and copy it by hand"
        return f"{what} copied via the {' and the '.join(routes)}"


def system_copy(text: str) -> bool:
    """Copy with pyperclip; False where no system clipboard is available."""
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        return False
    return True


def copy_text(
    app: App[object], text: str, *, system: Callable[[str], bool] = system_copy
) -> CopyResult:
    """Copy `text` by every route available; `app.clipboard` always holds it afterwards.

    A headless app (tests) has no terminal nor user, so only `app.clipboard` is set.
    """
    app.copy_to_clipboard(text)
    if app.is_headless or not app.is_running:
        return CopyResult(terminal=False, system=False)
    return CopyResult(terminal=not app.is_web, system=system(text))
