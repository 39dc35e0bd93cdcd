"""Every use the app makes of Textual's private API, behind small named functions.

Textual has no public way to change a scroll view's scrollable size without a layout pass, to
move a scrollbar without repainting it, to know where a scrollbar draws its thumb, to ask whether
a widget is disabled (by `disabled` or `loading`), to tell its footer the bindings are known, or
to keep a crash's traceback off the terminal. The widgets call these functions instead, and
`tests/app/test_textual_seam.py` checks each against the installed Textual (the private names
exist, take what is passed, and do what they are relied on for): an upgrade that changes one
fails there, naming the function here to fix.

`PromoTuiApp._handle_exception` overrides Textual's crash hook of that name (there is no public
one); the test checks that hook too.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from textual.app import App
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Footer

THUMB_STEPS = 8
"""A scrollbar cell is drawn in eighths (`ScrollBarRender.VERTICAL_BARS`)."""


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set `view`'s scrollable size without a layout pass (its own size stays the same) and
    update its scrollbars as Textual does for a layout-free resize (`Widget._scroll_update`)."""
    view.set_reactive(ScrollView.virtual_size, size)
    if view.is_mounted:
        view._scroll_update(size)


def set_virtual_height_quietly(view: ScrollView, size: Size) -> None:
    """Set `view`'s scrollable size when only its height changes and the vertical thumb would
    not move: the vertical scrollbar learns the new height without a repaint, nothing else
    changes (`ScrollBar.window_virtual_size` set without its watchers)."""
    view.set_reactive(ScrollView.virtual_size, size)
    view.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, size.height)


def vertical_thumb(view: Widget, virtual_height: int, position: float) -> tuple[int, int] | None:
    """Where `view`'s vertical scrollbar draws its thumb for a scrollable height and a scroll
    position: (start, end) in eighths of a cell, None when it draws none. Textual has no
    function for it: this is the arithmetic of `ScrollBarRender.render_bar` (fed as
    `ScrollBar._render_bar` feeds it), operation for operation."""
    bar = view.vertical_scrollbar
    track = bar.size.height
    virtual = ceil(virtual_height)
    window = ceil(bar.window_size) if bar.window_size < virtual_height else 0
    if not (window and track and virtual and track != virtual):
        return None
    thumb = max(1, window / (virtual / track))
    start = int((track - thumb) * (position / (virtual - window)) * THUMB_STEPS)
    return start, start + ceil(thumb * THUMB_STEPS)


def move_vertical_scrollbar(view: ScrollView, position: float) -> None:
    """Move `view`'s vertical scrollbar to `position` (what `ScrollView.watch_scroll_y` does),
    repainting it only if its thumb moves: one row of 100,000 does not move it."""
    bar, height = view.vertical_scrollbar, view.virtual_size.height
    if vertical_thumb(view, height, bar.position) == vertical_thumb(view, height, position):
        bar.set_reactive(ScrollBar.position, position)
    else:
        bar.position = position


def is_disabled(widget: Widget) -> bool:
    """Whether `widget` takes no input: `disabled`, or `loading` (`Widget._check_disabled`)."""
    return widget._check_disabled()


def footer_bindings_ready(footer: Footer) -> bool:
    """Whether `footer` knows the screen's bindings yet (`Footer._bindings_ready`)."""
    return footer._bindings_ready


def mark_footer_bindings_ready(footer: Footer) -> None:
    """Tell `footer` the screen's bindings are known (what `Footer.bindings_changed` sets
    before recomposing)."""
    footer._bindings_ready = True


def handle_exception_as_textual(app: App[Any], error: Exception) -> None:
    """Textual's own handling of a crash (`App._handle_exception`): the app exits with the
    error; a traceback of it is queued for the terminal (`App._exit_renderables`)."""
    App._handle_exception(app, error)


def drop_exit_tracebacks(app: App[Any]) -> None:
    """Forget what `app` would print on the terminal once it has exited: the crash's traceback
    (`App._exit_renderables`)."""
    app._exit_renderables.clear()
