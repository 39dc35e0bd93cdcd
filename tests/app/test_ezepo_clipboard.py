"""Clipboard routes and what the notification says about them."""

from __future__ import annotations

from typing import Any

import pyperclip
import pytest
from textual.app import App
from textual.widgets import Input

from tests.notified import notifications
from tui import clipboard
from tui.clipboard import CopyResult, copy_text, system_copy


@pytest.mark.parametrize(
    ("terminal", "system", "expected"),
    [
        (True, True, "Link copied to the system clipboard and sent to the terminal (OSC 52)"),
        (
            True,
            False,
            "Link sent to the terminal clipboard (OSC 52); if your terminal ignores it, "
            "copy it from the field below",
        ),
        (False, True, "Link copied to the system clipboard"),
        (False, False, "Link could not be copied automatically: select it and copy it by hand"),
    ],
)
def test_describe_says_only_what_is_known(terminal: bool, system: bool, expected: str) -> None:
    result = CopyResult(terminal=terminal, system=system)
    assert result.describe("Link") == expected
    assert result.copied is system  # OSC 52 is never confirmed


def test_system_copy_reports_a_missing_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(clipboard.pyperclip, "copy", unavailable)
    assert system_copy("x") == "no clipboard mechanism"
    monkeypatch.setattr(clipboard.pyperclip, "copy", lambda text: None)
    assert system_copy("x") is None


async def test_headless_copy_sets_app_clipboard_only() -> None:
    calls: list[str] = []
    app: App[None] = App()
    async with app.run_test():
        result = copy_text(app, "http://example/unsubscribe/1", system=calls.append)  # type: ignore[arg-type]
        assert app.clipboard == "http://example/unsubscribe/1"
        assert not result.copied and calls == []


async def test_a_link_sent_by_osc52_only_says_so_and_stays_selectable(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real terminal's route is simulated (headless, the app sends no OSC 52)."""
    from tests.app.test_ezepo import SIZE, copy_built_link, host
    from tui.widgets.ezepo import link_output

    monkeypatch.setattr(
        link_output, "copy_text", lambda app, text: CopyResult(terminal=True, system=False)
    )
    app = host(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        output = await copy_built_link(pilot)
        messages = [n.message for n in notifications(app)]
        assert any(m.startswith("Link sent to the terminal clipboard (OSC 52)") for m in messages)
        assert not any("copied" in m for m in messages)
        manual = output.query_one("#manual-copy", Input)
        assert manual.display and manual.value == output.link.reveal()  # type: ignore[union-attr]
        assert manual.selected_text == manual.value
