"""Shared pieces of the benchmark scripts: arguments, the result line, the sandbox in its own
process, memory readings, percentiles, a pty runner and synthetic participations.

Every script prints its figure as its last line, in the form
`<name>: <figure> (target <target>: PASS|MISS|short)`; `run_all.py` parses that line.
"""

from __future__ import annotations

import argparse
import atexit
import math
import multiprocessing
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parents[1]
PYTHON = sys.executable
RESULT_RE = re.compile(
    r"^(?P<name>[^:]+): (?P<figure>.*) \(target (?P<target>.*): (?P<verdict>\w+)\)$"
)


# ---- arguments and the result line --------------------------------------------------------------


def parse_args(doc: str | None, extra: Callable[[argparse.ArgumentParser], None] | None = None):
    """`--short` (CI: check that it runs, small sizes) plus the script's own options."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="small sizes; targets not checked")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def report(name: str, figure: str, target: str, ok: bool, short: bool) -> None:
    """Print the result line (the script's last line)."""
    verdict = "short" if short else ("PASS" if ok else "MISS")
    print(f"{name}: {figure} (target {target}: {verdict})", flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile `p` (0-100) of `values` (nan when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def isolate_dirs(keep: Path | None = None) -> Path:
    """Point XDG config/data/cache at a fresh temp dir (this process and its children), removed
    at exit; or at `keep`, kept for the next run."""
    if keep is None:
        root = Path(tempfile.mkdtemp(prefix="promo-bench-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
    else:
        root = keep
    for name in ("CONFIG", "DATA", "CACHE"):
        path = root / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        os.environ[f"XDG_{name}_HOME"] = str(path)
    return root


# ---- memory -------------------------------------------------------------------------------------


def _status_kib(field_name: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise KeyError(field_name)


def rss_mib(pid: int | str = "self") -> float:
    """Resident set size now (MiB)."""
    return _status_kib("VmRSS", pid) / 1024


def peak_rss_mib(pid: int | str = "self") -> float:
    """Peak resident set size since start or the last `reset_peak_rss` (MiB)."""
    return _status_kib("VmHWM", pid) / 1024


def reset_peak_rss() -> None:
    """Reset this process's peak RSS to its current RSS (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


# ---- the sandbox in a child process ------------------------------------------------------------


def _serve(conn: Connection, options: dict[str, Any]) -> None:
    from tui.sandbox.server import SandboxServer

    with SandboxServer(**options) as sandbox:
        conn.send(sandbox.port)
        conn.recv()  # anything, or EOF: stop


@dataclass
class Sandbox:
    """A sandbox served by another process (its CPU and memory are not the benchmark's)."""

    base_url: str
    control: httpx.Client = field(repr=False)

    @property
    def easypromos_url(self) -> str:
        return f"{self.base_url}/v2"

    @property
    def ezepo_endpoint(self) -> str:
        return self.base_url

    def stats(self) -> dict[str, Any]:
        return self.control.get("/_sandbox/stats").raise_for_status().json()

    def reset_stats(self) -> None:
        self.control.post("/_sandbox/stats/reset").raise_for_status()

    def set_ezepo(self, **body: Any) -> None:
        self.control.put("/_sandbox/ezepo", json=body).raise_for_status()


@contextmanager
def sandbox_process(**options: Any) -> Iterator[Sandbox]:
    """`SandboxServer(**options)` in a spawned process, for the duration of the block."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(theirs, options), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not ours.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start")
        base_url = f"http://127.0.0.1:{ours.recv()}"
        with httpx.Client(base_url=base_url, timeout=30) as control:
            yield Sandbox(base_url, control)
    finally:
        ours.send(None)
        process.join(10)
        if process.is_alive():
            process.kill()


def sleep_to_phase(window: float, phase: float = 0.05) -> None:
    """Sleep until `phase` of the way into a rate-limit window (windows are epoch-aligned)."""
    now = time.time()
    start = (math.floor(now / window) + 1) * window + phase * window
    if start - now > window:  # already close enough after a boundary
        start -= window
    time.sleep(max(start - now, 0.0))


# ---- a process in a pseudo-terminal ------------------------------------------------------------

ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, styles, modes
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: title, clipboard, colours
    rb"|\x1b[P^_][^\x1b]*\x1b\\"  # DCS, PM, APC
    rb"|\x1b[@-Z\\-_]"  # the other two-byte escapes
)
BARE_FOOTER = (b"palette",)  # the command palette's key, at the right of every footer here
APP_FOOTER = (b"Status filter", *BARE_FOOTER)  # and the focused tree's first key, at the left


def visible(output: bytes) -> bytes:
    """What the output writes on the screen, its escape sequences removed."""
    return ESCAPES.sub(b"", output)


def frame_complete(output: bytes, footer: tuple[bytes, ...] = APP_FOOTER) -> bool:
    """Whether the output holds a complete frame: the footer's text is on the screen, from its
    first key to the palette's (Textual fills a footer once the screen's bindings are known, so
    an earlier frame can have none of it, or only the keys of the screen and the app)."""
    shown = visible(output)
    return all(text in shown for text in footer)


class PtyProcess:
    """Run `argv` on a new pty of `cols` x `rows`; a thread reads and timestamps its output."""

    def __init__(
        self, argv: Sequence[str], *, cols: int = 120, rows: int = 40, env: dict[str, str] | None
    ) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.started = time.monotonic()
        child_env = {**(env or os.environ), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execvpe(argv[0], list(argv), child_env)
        import fcntl

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
            except OSError:  # hung up
                return
            if not ready:
                if self.exited():
                    return
                continue
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                data = b""
            with self._changed:
                if data:
                    self.chunks.append((time.monotonic(), data))
                self._changed.notify_all()
            if not data:
                return

    def hang_up(self) -> None:
        """Close the terminal's end, as closing its window does (the child gets SIGHUP)."""
        fd, self.fd = self.fd, os.open(os.devnull, os.O_RDONLY)  # for `close`
        os.close(fd)

    def exited(self) -> bool:
        return os.waitpid(self.pid, os.WNOHANG)[0] != 0 if self.pid else True

    def wait_for(self, test: Callable[[bytes], bool], timeout: float) -> float | None:
        """Monotonic time of the first chunk for which `test(all output so far)` holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        output = b""
        with self._changed:
            while True:
                for stamp, data in self.chunks[seen:]:
                    output += data
                    seen += 1
                    if test(output):
                        return stamp
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    return None
                self._changed.wait(min(left, 0.2))

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the child's exit status (None on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        return None

    def close(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL) and the reader."""
        if self.pid and self.wait_exit(0) is None:
            os.kill(self.pid, signal.SIGTERM)
            if self.wait_exit(3) is None:
                os.kill(self.pid, signal.SIGKILL)
                self.wait_exit(3)
        self._reader.join(2)
        os.close(self.fd)

    def text(self) -> str:
        return b"".join(data for _, data in self.chunks).decode(errors="replace")


def run_probe(config: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run `_app_probe.py` (the app with measuring hooks) on a pty; its JSON results."""
    import json

    out = Path(tempfile.mkstemp(prefix="probe-", suffix=".json")[1])
    config = {**config, "out": str(out)}
    argv = [PYTHON, str(BENCH_DIR / "_app_probe.py"), json.dumps(config)]
    proc = PtyProcess(argv, env=dict(os.environ))
    try:
        code = proc.wait_exit(timeout)
    finally:
        proc.close()
    text = out.read_text() if out.exists() else ""
    out.unlink(missing_ok=True)
    if code != 0 or not text:
        tail = proc.text()[-2000:]
        raise RuntimeError(f"the app probe failed (exit {code}); its last output:\n{tail}")
    return json.loads(text)


# ---- synthetic participations -------------------------------------------------------------------

FIRST = ["Ana", "John", "Maria", "Wei", "Olga", "Pierre", "Aiko", "Sven", "Lucia", "Omar"]
LAST = ["Garcia", "Smith", "Rossi", "Chen", "Ivanova", "Martin", "Sato", "Berg", "Lopez", "Haddad"]
DOMAINS = ["gmail.com", "example.org", "mail.es", "corp.net"]


def participation(n: int, rnd: random.Random, pid: str, base_id: int = 0) -> dict[str, object]:
    """A realistic participation record number `n` (ids from `base_id + n`, created 7 s apart)."""
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    uid = rnd.randrange(1, 300_000)
    stamp = time.gmtime(1_600_000_000 + n * 7)
    return {
        "id": str(base_id + n),
        "promotion_id": pid,
        "stage_id": str(rnd.randrange(1, 6)),
        "user_id": str(uid),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", stamp),
        "ip": f"10.{n % 256}.{n // 256 % 256}.{n // 65536 % 256}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
        "points": str(rnd.randrange(0, 1000)),
        "data": [{"ref": "q1", "title": "Favourite colour", "values": ["blue"]}],
        "user": {
            "id": str(uid),
            "first_name": first,
            "last_name": last,
            "nickname": f"{first.lower()}{uid}",
            "email": f"{first.lower()}.{last.lower()}{uid}@{rnd.choice(DOMAINS)}",
        },
    }


def fill_participations(store: Any, pid: str, rows: int, base_id: int = 0) -> float:
    """Write `rows` synthetic participations of `pid` in batches; seconds taken."""
    rnd = random.Random(1)
    start = time.perf_counter()
    batch = 10_000
    for first in range(1, rows + 1, batch):
        items = [
            participation(n, rnd, pid, base_id) for n in range(first, min(first + batch, rows + 1))
        ]
        store.write_page("participations", pid, items)
    return time.perf_counter() - start


# ---- exporting a collection ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request as the client saw it: wall-clock start and end, and the status."""

    start: float
    end: float
    status: int


class RecordingTransport(httpx.AsyncHTTPTransport):
    """An ordinary transport that also notes every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.time()
        response = await super().handle_async_request(request)
        self.sent.append(Sent(start, time.time(), response.status_code))
        return response


@dataclass
class Export:
    """What one export did: pages, distinct record ids, 429s received, seconds."""

    pages: int = 0
    ids: set[str] = field(default_factory=set)
    items: int = 0
    rate_limited: int = 0
    seconds: float = 0.0


async def export_ours(
    url: str, token: str, pid: int, limit: int, window: float, max_pages: int | None
) -> tuple[Export, list[Sent]]:
    """Export participations with our client (pacer, retries) in the bulk lane, as
    `promo-tui export` does; stop after `max_pages`."""
    from tui.api.easypromos import Collection, EasypromosClient
    from tui.api.pacing import Lane
    from tui.redact import Secret

    result, transport = Export(), RecordingTransport()
    start = time.monotonic()
    async with EasypromosClient(
        url,
        Secret(token),
        rate_limit=limit,
        rate_window=window,
        lane=Lane.BULK,
        transport=transport,
    ) as client:
        async for page in client.pages(Collection.PARTICIPATIONS, pid):
            add_page(result, page.items)
            if max_pages is not None and result.pages >= max_pages:
                break
    result.seconds = time.monotonic() - start
    result.rate_limited = sum(1 for s in transport.sent if s.status == 429)
    return result, transport.sent


def add_page(result: Export, items: list[dict[str, Any]]) -> None:
    result.pages += 1
    result.items += len(items)
    result.ids.update(str(item.get("id")) for item in items)


def stream_big_promotion(
    short: bool, key_interval: float, window: float | None = None
) -> dict[str, Any]:
    """Run the probe's `stream` scenario on the 100,000-participation promotion: at 200 calls per
    `window` seconds, or as fast as the sandbox serves pages (`window` None); `short` stops after
    a few seconds."""
    from tui.sandbox import credentials as cr

    isolate_dirs()
    limit = None if window is None else 200
    with sandbox_process(rate_limit=limit, minute_seconds=window or 60.0) as sandbox:
        config = {
            "scenario": "stream",
            "url": sandbox.easypromos_url,
            "token": cr.DEMO_TOKEN,
            "rate_limit": limit or 1_000_000,
            "window": window or 1.0,
            "promotion_id": cr.BIG_PROMOTION_ID,
            "key_interval": key_interval,
            "max_seconds": 2.0 if short else None,
        }
        results = run_probe(config, timeout=120 if short else 1200)
    if "error" in results:
        raise RuntimeError(f"the app probe failed: {results['error']}")
    return results
