"""The end-to-end fault matrix: each fault, once transient and once persistent, through the
headless export (a subprocess of the console script) and through the app (Pilot).

Promises checked per cell:
- transient (the 2nd and 3rd request of the collection fail): the export's file is byte for
  byte the clean run's; the app's table holds every record.
- persistent (every request of the collection fails): the export exits 1 with one stderr line
  that names the request, leaves no file; the app shows the error, stays usable, loads the
  collection once the fault is gone and has no worker left running. A `lenient` fault (the same
  bytes that are not UTF-8 every time: the server's data, not a transfer's damage) is taken
  with U+FFFD instead: the export exits 0 and warns once naming the request, the app loads it
  and its status line names the request.
- both: no run outlives the bound the retry policy and the timeout allow; no traceback.
"""

from __future__ import annotations

import asyncio
import queue
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

from tests.reliability._app import SIZE, app_settings, open_collection, until
from tests.reliability._cli import TIMEOUT_SECONDS, Cli
from tests.reliability._rawserver import RAW_FAULTS, FaultyProxy
from tui.api.retry import RetryPolicy
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PROMOTION = cr.ACTIVE_PROMOTION_ID
COLLECTION_PATH = f"/users/{PROMOTION}"
RECORDS = 240  # users of the promotion: three pages
REQUEST_NAME = f"GET /v2/users/{PROMOTION}"
MODES = ("transient", "persistent")
STARTUP_SLACK = 6.0  # interpreter start, clean pages, a loaded machine


@dataclass(frozen=True)
class Fault:
    """One way for a request to go wrong: a sandbox rule or a raw-proxy kind."""

    name: str
    source: str  # "sandbox" | "raw"
    rule: dict[str, Any] | None = None
    harmless: bool = False  # even when persistent, the data must come through
    lenient: bool = False  # when persistent, taken with U+FFFD and a warning naming the request


SANDBOX_FAULTS = (
    Fault("500", "sandbox", {"kind": "500"}),
    Fault("503", "sandbox", {"kind": "503"}),
    Fault("429", "sandbox", {"kind": "429"}),
    Fault("reset mid-body", "sandbox", {"kind": "reset"}),
    Fault("truncated JSON", "sandbox", {"kind": "truncate"}),
    Fault("HTML 502 page", "sandbox", {"kind": "html"}),
    Fault("HTML page with 200", "sandbox", {"kind": "html", "status": 200}),
    Fault("gzip header, plain body", "sandbox", {"kind": "gzip"}),
    Fault("slow (0.3 s)", "sandbox", {"kind": "slow", "seconds": 0.3}, harmless=True),
    Fault("slower than the timeout", "sandbox", {"kind": "slow", "seconds": 2.5}),
    Fault("hang, then cut", "sandbox", {"kind": "hang", "seconds": 3.0}),
)
RAW = tuple(Fault(kind, "raw", lenient=kind == "bad-utf8") for kind in RAW_FAULTS)
FAULTS = SANDBOX_FAULTS + RAW


def time_bound(policy: RetryPolicy, timeout: float, window: float = 0.0) -> float:
    """The longest a failing read may take: every attempt timing out, every backoff maximal,
    a 429 waiting out 30 windows."""
    backoff = sum(
        min(policy.initial * 2**n, policy.maximum) + policy.jitter
        for n in range(policy.attempts - 1)
    )
    return STARTUP_SLACK + policy.attempts * timeout + backoff + 30 * window * 1.1


@dataclass
class Cell:
    """One fault x mode x surface outcome."""

    ok: bool
    text: str
    seconds: float


@dataclass
class Lane:
    """A private sandbox (no rate limit) with a raw proxy in front of it."""

    sandbox: SandboxServer
    proxy: FaultyProxy

    def arm(self, fault: Fault, mode: str) -> None:
        self.disarm()
        transient = mode == "transient"
        if fault.source == "raw":
            # Transient: the first page comes through, the next two requests break.
            self.proxy.arm(
                fault.name, path=COLLECTION_PATH, skip=transient, times=2 if transient else -1
            )
            return
        rule = {**(fault.rule or {}), "path": f"/v2{COLLECTION_PATH}"}
        if transient:
            rule["nth"] = [2, 3]
        httpx.put(
            f"{self.sandbox.base_url}/_sandbox/faults", json={"rules": [rule], "seed": 1}
        ).raise_for_status()

    def disarm(self) -> None:
        self.proxy.disarm()
        httpx.delete(f"{self.sandbox.base_url}/_sandbox/faults").raise_for_status()

    def url(self, fault: Fault) -> str:
        return self.proxy.url if fault.source == "raw" else self.sandbox.easypromos_url


@contextmanager
def lanes(count: int) -> Iterator[queue.Queue[Lane]]:
    """`count` lanes, handed out through a queue so parallel rows never share faults."""
    pool: queue.Queue[Lane] = queue.Queue()
    with ExitStack() as stack:
        for _ in range(count):
            sandbox = stack.enter_context(SandboxServer(rate_limit=None))
            proxy = stack.enter_context(FaultyProxy(sandbox.easypromos_url))
            pool.put(Lane(sandbox, proxy))
        yield pool


# ---- the export -------------------------------------------------------------------------------


def export_cell(lane: Lane, fault: Fault, mode: str, work: Path, baseline: bytes) -> Cell:
    """Run the export under `fault` in `mode` and judge it."""
    home = work / f"{fault.source}-{fault.name}-{mode}".replace(" ", "_")
    cli = Cli(home, lane.url(fault), lane.sandbox.ezepo_endpoint)
    out = home / "users.csv"
    lane.arm(fault, mode)
    try:
        result = cli.run("export", "users", str(PROMOTION), "-o", str(out))
    finally:
        lane.disarm()
    bound = time_bound(RetryPolicy(), TIMEOUT_SECONDS, 0.2)
    problems = []
    if result.seconds > bound:
        problems.append(f"took {result.seconds:.1f} s > {bound:.0f} s")
    if "Traceback" in result.stderr:
        problems.append("a traceback")
    leftovers = sorted(p.name for p in home.glob("*users.csv*") if p != out)
    if mode == "transient" or fault.harmless:
        if result.code != 0:
            problems.append(f"exit {result.code}: {result.stderr.strip()[:80]}")
        elif out.read_bytes() != baseline:
            problems.append("data differs from the clean run")
        text = "identical data"
    elif fault.lenient:
        warnings = [line for line in result.lines if "warning" in line]
        if result.code != 0:
            problems.append(f"exit {result.code}: {result.stderr.strip()[:80]}")
        elif "\ufffd" not in out.read_text(encoding="utf-8"):
            problems.append("no U+FFFD in the data")
        if len(warnings) != 1 or REQUEST_NAME not in warnings[0] or "UTF-8" not in warnings[0]:
            problems.append(f"not one warning naming the request: {result.stderr.strip()[:120]!r}")
        text = "U+FFFD, " + (warnings[0].removeprefix("promo-tui: ") if warnings else "")
    else:
        line = result.lines[0] if result.lines else ""
        if result.code != 1:
            problems.append(f"exit {result.code}")
        if len(result.lines) != 1 or REQUEST_NAME not in line:
            problems.append(f"not one line naming the request: {result.stderr.strip()[:120]!r}")
        if out.exists() or leftovers:
            problems.append(f"left files: {[out.name, *leftovers]}")
        text = "error: " + line.removeprefix("promo-tui: ")
    if mode == "transient" and leftovers:
        problems.append(f"left files: {leftovers}")
    return Cell(not problems, "; ".join(problems) or text, result.seconds)


def clean_export(lane: Lane, work: Path) -> bytes:
    """The export without any fault (the reference for identical data)."""
    cli = Cli(work / "clean", lane.sandbox.easypromos_url, lane.sandbox.ezepo_endpoint)
    out = cli.home / "users.csv"
    result = cli.run("export", "users", str(PROMOTION), "-o", str(out))
    if result.code != 0:
        raise AssertionError(f"the clean export failed: {result.stderr}")
    return out.read_bytes()


def export_matrix(
    faults: tuple[Fault, ...], modes: tuple[str, ...] = MODES, parallel: int = 6
) -> dict[tuple[str, str], Cell]:
    """Every export cell, `parallel` at a time, each on a lane of its own."""
    work = Path(tempfile.mkdtemp(prefix="fault-matrix-"))
    try:
        with lanes(parallel) as pool:
            lane = pool.get()
            baseline = clean_export(lane, work)
            pool.put(lane)

            def run(fault: Fault, mode: str) -> Cell:
                lane = pool.get()
                try:
                    return export_cell(lane, fault, mode, work, baseline)
                finally:
                    pool.put(lane)

            jobs = [(fault, mode) for fault in faults for mode in modes]
            with ThreadPoolExecutor(parallel) as executor:
                cells = list(executor.map(lambda job: run(*job), jobs))
        return {(fault.name, mode): cell for (fault, mode), cell in zip(jobs, cells, strict=True)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- the app ----------------------------------------------------------------------------------

APP_RETRY = RetryPolicy(attempts=3, initial=0.05, maximum=0.1, jitter=0.05)


async def app_cells(
    lane: Lane, faults: tuple[Fault, ...], modes: tuple[str, ...], home: Path
) -> dict[tuple[str, str], Cell]:
    """One app per URL (sandbox, proxy); every fault and mode against its users table."""
    cells: dict[tuple[str, str], Cell] = {}
    for source in ("sandbox", "raw"):
        chosen = tuple(f for f in faults if f.source == source)
        if chosen:
            cells |= await _app_session(lane, chosen, modes, home, lane.url(chosen[0]))
    return cells


async def _app_session(
    lane: Lane, faults: tuple[Fault, ...], modes: tuple[str, ...], home: Path, url: str
) -> dict[tuple[str, str], Cell]:
    from tui.app import PromoTuiApp
    from tui.widgets.status_bar import StatusBar

    bound = time_bound(APP_RETRY, TIMEOUT_SECONDS, 0.2)
    cells: dict[tuple[str, str], Cell] = {}
    app = PromoTuiApp(app_settings(url, home))
    with mock.patch("tui.api.easypromos.RetryPolicy", lambda: APP_RETRY):
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_collection(pilot, PROMOTION)
            view, status = screen.collection, screen.query_one(StatusBar)

            def loaded() -> bool:
                return view.state == "idle" and view.table.row_count == RECORDS

            await until(pilot, loaded)
            shown: list[str] = []  # every message the status line took, not only the last one
            app.watch(status, "last_error", lambda text: text and shown.append(text), init=False)
            for fault in faults:
                for mode in modes:
                    shown.clear()
                    lane.arm(fault, mode)
                    start = time.monotonic()
                    view.load(full=True)
                    try:
                        await until(pilot, lambda: view.state != "loading", bound)
                        seconds = time.monotonic() - start
                        state = view.state
                        error = await _message(pilot, shown, fault, mode, state)
                    except TimeoutError as exc:
                        seconds, state, error = time.monotonic() - start, "hung", str(exc)
                    finally:
                        lane.disarm()
                    cells[(fault.name, mode)] = await _judge_app(
                        pilot, app, view, loaded, fault, mode, state, error, seconds
                    )
    return cells


async def _message(pilot: Any, shown: list[str], fault: Fault, mode: str, state: str) -> str:
    """The status line's message about the collection's request, once shown ("" if none is
    due). Other requests may warn around it (the bad record's detail: an unknown user), so the
    one naming the request is waited for among all shown, not read from the last."""
    if fault.lenient and mode == "persistent":
        with suppress(TimeoutError):
            await until(pilot, lambda: any(REQUEST_NAME in text for text in shown), 5)
        return next((text for text in shown if REQUEST_NAME in text), " | ".join(shown))
    if state != "idle":  # the message follows the state
        with suppress(TimeoutError):
            await until(pilot, lambda: shown, 5)
    return shown[0] if shown else ""


async def _judge_app(
    pilot: Any,
    app: Any,
    view: Any,
    loaded: Callable[[], bool],
    fault: Fault,
    mode: str,
    state: str,
    error: str,
    seconds: float,
) -> Cell:
    """After the faulty load: the verdict, then the proof the app recovers with no worker left."""
    problems = []
    expect_data = mode == "transient" or fault.harmless
    if expect_data:
        if not loaded():
            problems.append(f"state {state}, {view.table.row_count} rows: {error[:80]}")
        text = "all rows"
    elif fault.lenient:
        if state != "idle" or REQUEST_NAME not in error or "UTF-8" not in error:
            problems.append(f"state {state}, not a warning naming the request: {error[:80]}")
        text = f"U+FFFD, {error}"
    else:
        if state not in ("failed", "offline") or not error:
            problems.append(f"no message (state {state})")
        text = f"{state}: {error}"
    if not app.is_running:
        problems.append("the app stopped")
    else:
        view.load(full=True)
        try:
            await until(pilot, loaded, 20)
            await until(pilot, lambda: not [w for w in app.workers if w.is_running], 10)
        except TimeoutError:
            problems.append("did not recover, or a worker kept running")
        if not expect_data:
            text += " -> recovered"
    return Cell(not problems, "; ".join(problems) or text, seconds)


def app_matrix(
    faults: tuple[Fault, ...], modes: tuple[str, ...] = MODES
) -> dict[tuple[str, str], Cell]:
    """Every app cell (one app per URL) on a lane of its own."""
    home = Path(tempfile.mkdtemp(prefix="fault-matrix-app-"))
    try:
        with lanes(1) as pool:
            return asyncio.run(app_cells(pool.get(), faults, modes, home))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def both_matrices(
    faults: tuple[Fault, ...], *, export: bool = True, app: bool = True, parallel: int = 6
) -> tuple[dict[tuple[str, str], Cell], dict[tuple[str, str], Cell]]:
    """The export cells (on a thread) and the app cells at the same time: both mostly wait."""
    with ThreadPoolExecutor(1) as executor:
        exports = executor.submit(export_matrix, faults, parallel=parallel) if export else None
        app_cells_ = app_matrix(faults) if app else {}
        return (exports.result() if exports else {}), app_cells_


# ---- printing ---------------------------------------------------------------------------------


def render(
    faults: tuple[Fault, ...],
    export: dict[tuple[str, str], Cell],
    app: dict[tuple[str, str], Cell],
    width: int = 70,
) -> str:
    """The matrix as text: one row per fault and mode, one column per surface."""
    lines = [f"{'fault':<26} {'mode':<10} {'export (CLI)':<{width}} {'app (Pilot)'}"]
    lines.append("-" * len(lines[0]) + "-" * width)
    for fault in faults:
        for mode in MODES:
            parts = []
            for cells in (export, app):
                cell = cells.get((fault.name, mode))
                mark = "-" if cell is None else ("PASS" if cell.ok else "FAIL")
                text = "" if cell is None else f"{cell.seconds:4.1f}s {cell.text}"
                parts.append(f"{mark} {_short(text, width - 5)}")
            lines.append(f"{fault.name:<26} {mode:<10} {parts[0]:<{width}} {parts[1]}")
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
