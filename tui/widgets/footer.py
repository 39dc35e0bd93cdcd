"""Footers: Textual's, showing only the keys that fit whole; the browser's also says when its
keys are first on the screen."""

from __future__ import annotations

from textual import events
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer

from tui.messages import FirstFrameShown
from tui.widgets.textual_seam import footer_bindings_ready, mark_footer_bindings_ready

KEPT_ACTIONS = ("help",)
"""Kept before the other keys when the row is short: the key that lists all the keys."""


class KeysFooter(Footer):
    """Textual's footer lays its keys on one row and clips what does not fit, so a key could
    show cut (`J J` for `J Journal`). Here a key is shown whole or hidden: Help is kept first
    (it lists every key), then the keys in the footer's order (the focused widget's first, the
    app's last), each while it fits beside those kept.

    Textual recomposes the footer at each change of the bindings (each focus change, and at
    start-up several times in a row, ~15 ms each); a recompose that would show the same keys
    is skipped.
    """

    _shown: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """What the footer shows: its settings and the screen's shown bindings."""
        bindings = tuple(
            (binding.key, binding.description, binding.tooltip, enabled, tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return (self.compact, self.show_command_palette, footer_bindings_ready(self), bindings)

    async def recompose(self) -> None:
        if not self.is_attached:  # its screen went (the setup screen, once saved)
            return
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await super().recompose()
            self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show the keys that fit whole in the footer's width, the most needed first."""
        docked = [child for child in self.children if child.has_class("-command-palette")]
        keys = [child for child in self.children if child not in docked]
        # Before its first layout (recomposed at start-up) the row is 0 wide: it will span the
        # screen. Fitting to 0 hid every key, and the first frame went out without them.
        row = self.size.width or self.screen.size.width or self.app.size.width
        room = row - sum(self._width(child) for child in docked)
        first = [key for key in keys if getattr(key, "action", None) in KEPT_ACTIONS]
        for key in first + [key for key in keys if key not in first]:
            width = self._width(key)
            key.display = width <= room
            room -= width if key.display else 0

    def _width(self, child: Widget) -> int:
        """The columns `child` takes on the row (its margins counted whole)."""
        box = child.styles.gutter.width + child.styles.margin.width
        return child.get_content_width(self.size, self.app.size) + box


class BrowserFooter(KeysFooter):
    """Textual fills a footer once the screen's bindings are known, after the first layout, so
    the first frame is complete only when the keys are painted: `FirstFrameShown` says so
    (once), and the work the first frame does not need waits for it.
    """

    _announced = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Recompose at once, not after the next refresh as Textual does: the screen's first
        focus then puts the keys in the first frame instead of a frame of their own."""
        mark_footer_bindings_ready(self)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_next(self.recompose)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Rendered as part of a frame that is written once rendered: a frame with the keys
        (laid out, each with its place) is the complete first frame."""
        shown = [key for key in self.children if key.display]
        if not self._announced and shown and all(key.region for key in shown):
            self._announced = True
            self.post_message(FirstFrameShown())
        return super().render_lines(crop)
