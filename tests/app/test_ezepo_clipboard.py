"""Clipboard routes and what the notification says about them."""

from __future__ import annotations

import pyperclip
import pytest
from textual.app import App

from tui import clipboard
from tui.clipboard import CopyResult, copy_text, system_copy


@pytest.mark.parametrize(
    ("terminal", "system", "expected"),
    [
        (True, True, "Link copied via the terminal (OSC 52) and the system clipboard"),
        (True, False, "Link copied via the terminal (OSC 52)"),
        (False, True, "Link copied via the system clipboard"),
        (False, False, "Link could not be copied automatically: select it and copy it by hand"),
    ],
)
def test_describe_says_which_route_worked(terminal: bool, system: bool, expected: str) -> None:
    result = CopyResult(terminal=terminal, system=system)
    assert result.describe("Link") == expected
    assert result.copied is (terminal or system)


def test_system_copy_reports_a_missing_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(clipboard.pyperclip, "copy", unavailable)
    assert system_copy("x") is False
    monkeypatch.setattr(clipboard.pyperclip, "copy", lambda text: None)
    assert system_copy("x") is True


async def test_headless_copy_sets_app_clipboard_only() -> None:
    calls: list[str] = []
    app: App[None] = App()
    async with app.run_test():
        result = copy_text(app, "http://example/unsubscribe/1", system=calls.append)  # type: ignore[arg-type]
        assert app.clipboard == "http://example/unsubscribe/1"
        assert not result.copied and calls == []
