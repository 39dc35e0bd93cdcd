"""The browser's footer: Textual's, filled once, saying when its keys are first on the screen."""

from __future__ import annotations

from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer

from tui.messages import FirstFrameShown
from tui.widgets.textual_seam import footer_bindings_ready, mark_footer_bindings_ready


class BrowserFooter(Footer):
    """Textual fills a footer once the screen's bindings are known, after the first layout, so
    the first frame is complete only when the keys are painted: `FirstFrameShown` says so
    (once), and the work the first frame does not need waits for it.

    Textual recomposes the footer at each change of the bindings (each focus change, and at
    start-up several times in a row, ~15 ms each); a recompose that would show the same keys
    is skipped.
    """

    _shown: tuple[object, ...] | None = None
    _announced = False

    def _keys(self) -> tuple[object, ...]:
        """What the footer shows: its settings and the screen's shown bindings."""
        bindings = tuple(
            (binding.key, binding.description, binding.tooltip, enabled, tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return (self.compact, self.show_command_palette, footer_bindings_ready(self), bindings)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Recompose at once, not after the next refresh as Textual does: the screen's first
        focus then puts the keys in the first frame instead of a frame of their own."""
        mark_footer_bindings_ready(self)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_next(self.recompose)

    async def recompose(self) -> None:
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await super().recompose()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Rendered as part of a frame that is written once rendered: a frame with the keys
        (laid out, each with its place) is the complete first frame."""
        if not self._announced and self.children and all(key.region for key in self.children):
            self._announced = True
            self.post_message(FirstFrameShown())
        return super().render_lines(crop)
