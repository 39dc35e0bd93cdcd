"""The help screen lists the keys of the app and of the screens, read from their BINDINGS."""

from __future__ import annotations

import html
import re

from textual.app import App
from textual.binding import Binding

from tui.screens.ezepo import EzepoScreen
from tui.screens.help import HelpScreen, class_bindings
from tui.widgets.ezepo.jobs import FetchJobs


class HelpHost(App[None]):
    BINDINGS = [Binding("question_mark", "help", "Help"), Binding("ctrl+e", "ezepo", "Ezepo")]

    def on_mount(self) -> None:
        self.push_screen(EzepoScreen(None))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def screen_text(app: App[None]) -> str:
    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return html.unescape("".join(lines)).replace("\xa0", " ")


def test_class_bindings_skip_textual_defaults() -> None:
    keys = [binding.key for binding in class_bindings(FetchJobs)]
    assert keys == ["s", "x"]
    assert "tab" not in [binding.key for binding in class_bindings(EzepoScreen)]


async def test_help_lists_app_and_screen_bindings() -> None:
    app = HelpHost()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("Everywhere", "Ezepo (open)", "Setup screen", "Copy link", "Start fetch"):
            assert expected in text
        assert "Lists tab" in text and "Show/hide secrets" in text and "Quit" in text
        await pilot.press("escape")
        assert isinstance(app.screen, EzepoScreen)
