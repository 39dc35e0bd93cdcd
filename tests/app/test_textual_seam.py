"""The Textual internals `tui.widgets.textual_seam` relies on, checked against the installed
Textual: each private name exists with the parameters passed to it and does what the seam's
function says. A Textual upgrade that changes one fails here with a message naming the seam's
function to fix (and the table's scrolling, the detail pane, the footer or the crash file would
otherwise break quietly)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
import textual
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer

from tui.widgets import textual_seam
from tui.widgets.textual_seam import (
    THUMB_STEPS,
    drop_exit_tracebacks,
    footer_bindings_ready,
    handle_exception_as_textual,
    is_disabled,
    mark_footer_bindings_ready,
    move_vertical_scrollbar,
    set_virtual_height_quietly,
    set_virtual_size,
    vertical_thumb,
)


def changed(function: Callable[..., object], what: str) -> str:
    """The failure message: which seam function to fix, and why."""
    return (
        f"textual {textual.__version__} changed {what}: fix "
        f"tui.widgets.textual_seam.{function.__name__} (and this test)"
    )


def assert_method(function: Callable[..., object], owner: type, name: str, *params: str) -> None:
    """`owner.name` is a method taking exactly `params`."""
    method = inspect.getattr_static(owner, name, None)
    assert callable(method), changed(function, f"{owner.__name__}.{name} (gone)")
    signature = list(inspect.signature(method).parameters)
    assert signature == ["self", *params], changed(
        function, f"{owner.__name__}.{name}{tuple(signature)}"
    )


def assert_reactive(function: Callable[..., object], owner: type, name: str) -> None:
    """`owner.name` is a reactive attribute."""
    attribute = inspect.getattr_static(owner, name, None)
    assert isinstance(attribute, Reactive), changed(
        function, f"{owner.__name__}.{name} (not a reactive)"
    )


class Lines(ScrollView):
    """A line-API view to scroll."""

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class ViewApp(App[None]):
    BINDINGS = [Binding("x", "bell", "Ring")]

    def compose(self) -> ComposeResult:
        yield Lines()
        yield Footer()


def test_the_seam_uses_only_what_is_checked_here() -> None:
    """Each function of the seam is checked below; a new one needs its check."""
    functions = {
        name
        for name, value in vars(textual_seam).items()
        if inspect.isfunction(value) and value.__module__ == textual_seam.__name__
    }
    tested = {
        function.__name__
        for function in (
            set_virtual_size,
            set_virtual_height_quietly,
            vertical_thumb,
            move_vertical_scrollbar,
            is_disabled,
            footer_bindings_ready,
            mark_footer_bindings_ready,
            handle_exception_as_textual,
            drop_exit_tracebacks,
        )
    }
    assert functions == tested


async def test_set_virtual_size_sets_the_scrollbars_without_a_layout() -> None:
    assert_reactive(set_virtual_size, ScrollView, "virtual_size")
    assert_method(set_virtual_size, Widget, "_scroll_update", "virtual_size")
    async with ViewApp().run_test(size=(40, 12)) as pilot:
        view = pilot.app.query_one(Lines)
        await pilot.pause()
        size_before = view.size
        set_virtual_size(view, Size(30, 500))
        bar = view.vertical_scrollbar
        message = changed(set_virtual_size, "Widget._scroll_update (scrollbars not set)")
        assert view.virtual_size == Size(30, 500), message
        assert view.show_vertical_scrollbar and bar.window_virtual_size == 500, message
        assert bar.window_size == view.container_size.height, message
        view.scroll_to(y=400, animate=False, immediate=True)
        set_virtual_size(view, Size(30, 100))  # shorter: the scroll position follows
        assert view.scroll_y == view.max_scroll_y < 400, message
        assert view.size == size_before


async def test_set_virtual_height_quietly_tells_the_scrollbar_only() -> None:
    assert_reactive(set_virtual_height_quietly, ScrollView, "virtual_size")
    assert_reactive(set_virtual_height_quietly, ScrollBar, "window_virtual_size")
    async with ViewApp().run_test(size=(40, 12)) as pilot:
        view = pilot.app.query_one(Lines)
        set_virtual_size(view, Size(30, 100_000))
        await pilot.pause()
        set_virtual_height_quietly(view, Size(30, 100_001))
        assert view.virtual_size == Size(30, 100_001)
        assert view.vertical_scrollbar.window_virtual_size == 100_001, changed(
            set_virtual_height_quietly, "ScrollBar.window_virtual_size"
        )


def rendered_bar(bar: ScrollBar) -> list[Segment]:
    """What the scrollbar paints, as Textual renders it."""
    console = bar.app.console
    options = console.options.update_dimensions(bar.size.width, bar.size.height)
    return list(console.render(bar.render(), options))


@pytest.mark.parametrize("height", [8, 12, 30])
async def test_vertical_thumb_is_where_the_scrollbar_draws_it(height: int) -> None:
    """The same thumb is the same painted scrollbar (what lets the table skip repainting it),
    and another thumb another one, over short and long views, top to bottom."""
    assert ScrollBarRender.VERTICAL_BARS[-1] == " " and len(ScrollBarRender.VERTICAL_BARS) == (
        THUMB_STEPS
    ), changed(vertical_thumb, "ScrollBarRender.VERTICAL_BARS")
    assert_method(vertical_thumb, ScrollBar, "_render_bar", "scrollbar_style")
    async with ViewApp().run_test(size=(40, height + 1)) as pilot:
        view = pilot.app.query_one(Lines)
        set_virtual_size(view, Size(30, 1000))
        await pilot.pause()
        bar = view.vertical_scrollbar
        paints: dict[tuple[int, int] | None, list[Segment]] = {}
        for virtual in [*range(height - 2, 3 * height), 97, 1000, 99_999, 100_000, 100_001]:
            set_virtual_size(view, Size(30, virtual))
            limit = int(view.max_scroll_y)
            step = max(limit // 60, 1)
            for y in [*range(0, limit + 1, step), limit - 1, limit]:
                view.scroll_to(y=max(y, 0), animate=False, immediate=True)
                thumb = vertical_thumb(view, virtual, bar.position)
                paint = rendered_bar(bar)
                assert paints.setdefault(thumb, paint) == paint, changed(
                    vertical_thumb, f"the thumb's arithmetic (a height of {virtual}, at {y})"
                )
        drawn = [tuple(paint) for thumb, paint in paints.items() if thumb is not None]
        assert None in paints and len(drawn) > 20 * height
        assert len(set(drawn)) == len(drawn), changed(
            vertical_thumb, "the thumb's arithmetic (two thumbs painted the same)"
        )


async def test_move_vertical_scrollbar_moves_it_repainting_only_a_moved_thumb() -> None:
    assert_reactive(move_vertical_scrollbar, ScrollBar, "position")
    async with ViewApp().run_test(size=(40, 12)) as pilot:
        view = pilot.app.query_one(Lines)
        set_virtual_size(view, Size(30, 100_000))
        await pilot.pause()
        bar = view.vertical_scrollbar
        before = rendered_bar(bar)
        move_vertical_scrollbar(view, 1.0)  # one row of 100,000: the thumb stays
        assert bar.position == 1.0 and rendered_bar(bar) == before
        move_vertical_scrollbar(view, 50_000.0)
        assert bar.position == 50_000.0 and rendered_bar(bar) != before


def test_scroll_views_still_do_on_scroll_only_what_the_table_does_in_their_place() -> None:
    """`VirtualTable.watch_scroll_y` replaces Textual's with `move_vertical_scrollbar` and the
    same repaint: anything Textual's began to do there would be skipped."""
    lines = inspect.getsource(ScrollView.watch_scroll_y).splitlines()[1:]
    assert [line.strip() for line in lines] == [
        "if self.show_vertical_scrollbar:",
        "self.vertical_scrollbar.position = new_value",
        "if round(old_value) != round(new_value):",
        "self.refresh(self.size.region)",
    ], changed(move_vertical_scrollbar, "ScrollView.watch_scroll_y")


async def test_is_disabled_counts_loading_too() -> None:
    assert_method(is_disabled, Widget, "_check_disabled")
    async with ViewApp().run_test(size=(40, 12)) as pilot:
        view = pilot.app.query_one(Lines)
        message = changed(is_disabled, "Widget._check_disabled")
        assert not is_disabled(view), message
        view.loading = True
        assert is_disabled(view), message
        view.loading = False
        view.disabled = True
        assert is_disabled(view), message


async def test_footer_bindings_ready_is_the_footers_own_flag() -> None:
    assert_reactive(footer_bindings_ready, Footer, "_bindings_ready")
    footer = Footer()
    assert not footer_bindings_ready(footer)
    mark_footer_bindings_ready(footer)
    assert footer_bindings_ready(footer)
    async with ViewApp().run_test(size=(40, 12)) as pilot:
        footer = pilot.app.query_one(Footer)
        await pilot.pause()
        assert footer_bindings_ready(footer) and footer.children, changed(
            footer_bindings_ready, "Footer._bindings_ready (Textual no longer sets it)"
        )


class Crashing(App[None]):
    """Crashes once mounted; its crash hook records what Textual queued for the terminal."""

    hooked: list[int] = []

    def _handle_exception(self, error: Exception) -> None:
        handle_exception_as_textual(self, error)
        self.hooked.append(len(self._exit_renderables))
        drop_exit_tracebacks(self)
        self.hooked.append(len(self._exit_renderables))

    def on_mount(self) -> None:
        raise RuntimeError("forced crash")


async def test_the_crash_hook_is_called_and_its_traceback_dropped() -> None:
    assert_method(handle_exception_as_textual, App, "_handle_exception", "error")
    app = Crashing()
    with pytest.raises(RuntimeError, match="forced crash"):  # run_test raises the app's error
        async with app.run_test():
            pass
    message = changed(handle_exception_as_textual, "App._handle_exception / _exit_renderables")
    assert app.hooked == [1, 0], message
    assert app.return_code == 1, message
