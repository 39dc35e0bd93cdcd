"""Copy text for the user: the terminal's clipboard (OSC 52, works over SSH) and the system one.
The app and the CLI (`ezepo link --copy`) copy through here.

OSC 52 cannot be confirmed from inside the app: it is sent to a terminal that may ignore it.
pyperclip confirms a copy, but needs a local clipboard tool (absent over SSH or on a headless box).
`copy_text` reports what it did so the caller says exactly that, and the text stays on screen
selected for a manual copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyperclip

if TYPE_CHECKING:  # the CLI copies without Textual
    from textual.app import App


@dataclass(frozen=True)
class CopyResult:
    """Which routes carried the text: the terminal (OSC 52) and/or the system clipboard."""

    terminal: bool
    system: bool

    @property
    def copied(self) -> bool:
        """Whether a route is known to have taken the text: only pyperclip can confirm it (a
        terminal may ignore OSC 52 without a word)."""
        return self.system

    def describe(self, what: str = "Text") -> str:
        """A one-line notification that says what was done, and no more than is known."""
        if self.system and self.terminal:
            return f"{what} copied to the system clipboard and sent to the terminal (OSC 52)"
        if self.system:
            return f"{what} copied to the system clipboard"
        if self.terminal:
            return (
                f"{what} sent to the terminal clipboard (OSC 52); if your terminal ignores it, "
                "copy it from the field below"
            )
        return f"{what} could not be copied automatically: select it and copy it by hand"


def system_copy(text: str) -> str | None:
    """Copy with pyperclip: None once copied, else why not (no clipboard tool on this machine)."""
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        return str(exc).splitlines()[0] if str(exc) else "no clipboard tool"
    return None


def copy_text(
    app: App[object], text: str, *, system: Callable[[str], str | None] = system_copy
) -> CopyResult:
    """Copy `text` by every route available; `app.clipboard` always holds it afterwards.

    A headless app (tests) has no terminal nor user, so only `app.clipboard` is set.
    """
    app.copy_to_clipboard(text)
    if app.is_headless or not app.is_running:
        return CopyResult(terminal=False, system=False)
    return CopyResult(terminal=not app.is_web, system=system(text) is None)
