"""The app with measuring hooks, run on a pty by the benchmarks (`_common.run_probe`).

Takes one JSON argument (url, token, rate limit, promotion, scenario, out) and writes its
findings as JSON to `out`. It drives the real `PromoTuiApp` with its real terminal driver:
keys are posted to the app as the driver's input thread posts them; a frame is a call of
`App._display` (the compositor's update written to the terminal).

Scenarios:
- `stream`: open the promotion's participations with an empty cache; while they stream in,
  measure event-loop lag (a 10 ms sleep loop) and key -> repaint latency (a "down" key every
  `key_interval` s; repainted = the first frame showing the moved cursor); RSS before and after.
- `cached`: open the participations from a filled cache; time to the first painted rows, then
  End / Home / filter / clear filter / sort / reverse sort, each until the first frame that shows
  the complete result (no query running, every visible row fetched). The filter is typed into the
  filter box a key at a time (a new one each time: `filters`) and cleared as Esc does; both are
  timed from the end of the app's typing pause, when the filter is applied.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _common import peak_rss_mib, rss_mib
from textual import events
from textual.widget import Widget
from textual.widgets import Input

from tui import app as app_module
from tui.api.endpoints import Collection
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.redact import Secret
from tui.widgets.collection_view import CollectionView
from tui.widgets.store_source import StoreRowSource
from tui.widgets.virtual_table import VirtualTable

Check = Callable[[], bool]
KEY_INTERVAL = 0.12
"""Seconds between the keys of a typed filter (a fast typist; the app waits for a 0.2 s pause)."""


class ProbeApp(PromoTuiApp):
    """`PromoTuiApp` that notes its frames and runs one scenario once the account is loaded."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, settings: Settings, config: dict[str, Any]) -> None:
        super().__init__(settings)
        self.config = config
        self.results: dict[str, Any] = {}
        self._on_frame: list[Callable[[float], None]] = []

    def _display(self, screen: Any, renderable: Any) -> None:
        counted = renderable is not None and not self._batch_count
        super()._display(screen, renderable)
        if counted:
            now = time.monotonic()
            for callback in list(self._on_frame):
                callback(now)

    async def on_mount(self) -> None:
        await super().on_mount()
        self.run_worker(self._scenario(), name="probe")

    # ---- helpers ------------------------------------------------------------------------------

    async def _until(self, check: Check, timeout: float, step: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(step)
        return True

    async def _repaint(self, act: Callable[[], None], done: Check, timeout: float = 30) -> float:
        """Seconds from `act()` to the end of the first frame for which `done()` holds."""
        start = time.monotonic()
        return await self._frame(act, done, timeout) - start

    async def _frame(self, act: Callable[[], None], done: Check, timeout: float = 30) -> float:
        """When (monotonic) the first frame for which `done()` holds ended, after `act()`."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()

        def on_frame(now: float) -> None:
            if not future.done() and done():
                future.set_result(now)

        self._on_frame.append(on_frame)
        try:
            act()
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return math.nan
        finally:
            self._on_frame.remove(on_frame)

    async def _type_filter(
        self, view: CollectionView, table: VirtualTable, text: str
    ) -> tuple[float, float]:
        """Type `text` into the filter box a key at a time ("": empty the box, as Esc does);
        seconds from the filter being applied (the end of the typing pause), and from the last
        key, to the first frame showing all its visible rows."""
        applied: list[float] = []
        apply = table.set_filter

        def set_filter(words: str) -> None:
            applied.append(time.monotonic())
            apply(words)

        table.set_filter = set_filter  # type: ignore[method-assign]
        try:
            field = view.query_one("#view-filter", Input)
            field.focus()
            if not text:
                field.value = ""
            for character in text:
                await asyncio.sleep(KEY_INTERVAL)
                self._key("space" if character == " " else character, character)
            last_key = time.monotonic()
            shown = await self._frame(lambda: None, lambda: bool(applied) and settle(table))
            return shown - applied[0], shown - last_key
        finally:
            del table.set_filter

    def _key(self, key: str, character: str | None = None) -> None:
        self.post_message(events.Key(key, character))

    # ---- scenarios ----------------------------------------------------------------------------

    async def _scenario(self) -> None:
        try:
            if not await self._until(lambda: bool(self.session.has_store and self._browser()), 60):
                raise RuntimeError("the account did not load")
            await asyncio.sleep(0.3)  # let the tree settle
            view = self.screen.query_one(CollectionView)
            await getattr(self, f"_{self.config['scenario']}")(view, view.table)
        except Exception as error:  # reported, not raised: the app must exit
            self.results["error"] = repr(error)
        Path(self.config["out"]).write_text(json.dumps(self.results))
        self.exit()

    def _open(self, view: CollectionView) -> None:
        pid = str(self.config["promotion_id"])
        view.show(pid, Collection.PARTICIPATIONS, "Participations")
        view.table.focus()

    async def _stream(self, view: CollectionView, table: VirtualTable) -> None:
        config = self.config
        lags: list[float] = []
        latencies: list[float] = []
        pending: list[tuple[float, int]] = []  # (sent at, cursor that shows it)
        lock = threading.Lock()
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        sent = [table.cursor]

        def on_frame(now: float) -> None:
            with lock:
                while pending and table.cursor >= pending[0][1]:
                    latencies.append(now - pending.pop(0)[0])

        def press_keys() -> None:  # like the driver's input thread
            while not stop.wait(config["key_interval"]):
                with lock:
                    sent[0] += 1
                    pending.append((time.monotonic(), sent[0]))
                loop.call_soon_threadsafe(self._key, "down")

        async def lag_loop() -> None:
            while not stop.is_set():
                start = time.monotonic()
                await asyncio.sleep(0.01)
                lags.append(time.monotonic() - start - 0.01)

        self.results["rss_before_mib"] = rss_mib()
        started = time.monotonic()
        self._open(view)
        await self._until(lambda: table.row_count > 1_000, 60)  # room to move the cursor
        sent[0] = table.cursor
        self._on_frame.append(on_frame)
        thread = threading.Thread(target=press_keys, daemon=True)
        thread.start()
        lagger = asyncio.ensure_future(lag_loop())
        measuring = time.monotonic()
        limit = config.get("max_seconds")
        await self._until(
            lambda: view.state != "loading" or bool(limit and time.monotonic() - measuring > limit),
            900,
        )
        stop.set()
        thread.join()
        await lagger
        if view.state == "loading":
            view.action_stop()
        await self._until(lambda: settle(table), 30)
        self.results.update(
            lags=lags,
            latencies=latencies,
            unanswered=len(pending),
            rows=table.row_count,
            load_seconds=time.monotonic() - started,
            state=view.state,
            rss_after_mib=rss_mib(),
            peak_rss_mib=peak_rss_mib(),
        )

    async def _cached(self, view: CollectionView, table: VirtualTable) -> None:
        def settled() -> bool:
            return settle(table)

        opened = await self._repaint(
            lambda: self._open(view), lambda: table.row_count > 0 and settled(), 60
        )
        await self._until(lambda: view.state != "loading", 120)
        times: dict[str, list[float]] = {"open (first rows painted)": [opened]}

        def sorted_anew(before: tuple[str | None, bool]) -> Check:
            return lambda: table.sort != before and settled()

        def measure(name: str, act: Callable[[], None], done: Check) -> Any:
            async def run() -> None:
                times.setdefault(name, []).append(await self._repaint(act, done))

            return run()

        for repeat in range(self.config["repeats"]):
            await measure("End", lambda: self._key("end"), lambda: table.cursor > 0 and settled())
            await measure(
                "Home", lambda: self._key("home"), lambda: table.cursor == 0 and settled()
            )
            typed, after_key = await self._type_filter(view, table, self.config["filters"][repeat])
            times.setdefault("filter (typed)", []).append(typed)
            self.results.setdefault("typed_from_last_key", []).append(after_key)
            self.results.setdefault("filtered_rows", []).append(table.row_count)
            cleared, _ = await self._type_filter(view, table, "")
            times.setdefault("clear filter", []).append(cleared)
            table.focus()  # as Enter in the box does; the footer shows the table's keys again
            await asyncio.sleep(0.5)
            for key, name in (("s", "sort"), ("S", "reverse sort")):
                await measure(name, partial(self._key, key, key), sorted_anew(table.sort))
        self.results.update(times=times, rows=table.row_count, peak_rss_mib=peak_rss_mib())


def settle(table: VirtualTable) -> bool:
    """No query of the table running, and every visible row fetched."""
    queries = ("virtual-table-query", "virtual-table-window")
    if any(w.node is table and w.group in queries and not w.is_finished for w in table.workers):
        return False
    top = round(table.scroll_y)
    bottom = min(top + max(table.size.height - 1, 1), table.row_count)
    return all(table.record_at(index) is not None for index in range(top, bottom))


def widget_name(widget: Widget) -> str:
    """`Class#id`, or the class and its parent's `#id`."""
    if widget.id:
        return f"{type(widget).__name__}#{widget.id}"
    parent = widget.parent
    where = f" in #{parent.id}" if isinstance(parent, Widget) and parent.id else ""
    return f"{type(widget).__name__}{where}"


def time_renders(into: dict[str, list[float]]) -> None:
    """Note the seconds each widget class spends in `render_lines` (where a frame's time goes)."""
    original = Widget.render_lines

    def render_lines(self: Widget, crop: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, crop)
        finally:
            spent = into.setdefault(widget_name(self), [0.0, 0])
            spent[0] += time.perf_counter() - start
            spent[1] += 1

    Widget.render_lines = render_lines  # type: ignore[method-assign]


def time_source(into: dict[str, list[float]]) -> None:
    """Note the seconds the table's row source (SQL in the store) spends per method."""
    for method in ("count", "rows", "index_of", "version"):
        original = getattr(StoreRowSource, method)

        def timed(self: StoreRowSource, *args: Any, _original: Any = original, _name: str = method):
            start = time.perf_counter()
            try:
                return _original(self, *args)
            finally:
                spent = time.perf_counter() - start
                total = into.setdefault(_name, [0.0, 0, 0.0])
                total[0] += spent
                total[1] += 1
                total[2] = max(total[2], spent)

        setattr(StoreRowSource, method, timed)


def count_layouts(into: dict[str, int]) -> None:
    """Count `refresh(layout=True)` calls by widget class (each one reflows the screen)."""
    original = Widget.refresh

    def refresh(self: Widget, *regions: Any, **options: Any) -> Any:
        if options.get("layout"):
            name = widget_name(self)
            into[name] = into.get(name, 0) + 1
        return original(self, *regions, **options)

    Widget.refresh = refresh  # type: ignore[method-assign]


def main() -> None:
    config = json.loads(sys.argv[1])
    settings = Settings(
        profile="bench",
        easypromos_url=config["url"],
        easypromos_token=Secret(config["token"]),
        rate_limit=config["rate_limit"],
        rate_window_seconds=config["window"],
        cache_enabled=True,
        config_path=Path(config["out"]).with_suffix(".toml"),
    )
    app = ProbeApp(settings, config)
    time_renders(app.results.setdefault("render_seconds", {}))
    count_layouts(app.results.setdefault("layout_refreshes", {}))
    time_source(app.results.setdefault("source_seconds", {}))
    app.run()


if __name__ == "__main__":
    main()
