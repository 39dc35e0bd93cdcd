"""Two promo-tui processes on one account against the sandbox: an export and a second client
share one budget (tui.api.ledger), and a killed one leaves its share to the other."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tui.sandbox import credentials as cr
from tui.sandbox.faults import FaultRule
from tui.sandbox.server import SandboxServer

from .budget_client import HANGING
from .conftest import Cli

LIMIT = 20  # a window of 1 s: an export page every 50 ms, which the CLI keeps up with
SECOND_CLIENT = Path(__file__).with_name("budget_client.py")


def wait_for_phase(phase: float) -> int:
    """Sleep to `phase` of the next 1 s window; its index."""
    now = time.time()
    target = int(now) + phase if now % 1.0 < phase else int(now) + 1 + phase
    time.sleep(target - now)
    return int(target)


def test_an_export_and_a_second_client_share_the_budget_and_a_killed_one_frees_it(
    private_cli: Callable[..., tuple[Cli, SandboxServer]],
) -> None:
    cli, server = private_cli(minute_seconds=1.0, rate_limit=LIMIT)
    hang = FaultRule("hang", path=f"/v2/users/{cr.ACTIVE_PROMOTION_ID}/", seconds=60.0)
    server.state.faults.configure([hang], 0)
    env = {**cli.env, "PROMO_TUI_RATE_LIMIT": str(LIMIT)}
    export = cli.start("export", "participations", str(cr.BIG_PROMOTION_ID), "-o", "big.csv", **env)
    second = subprocess.Popen(
        [sys.executable, str(SECOND_CLIENT)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert second.stdout is not None and second.stdout.readline().strip() == "ready"
        both = wait_for_phase(0.0)  # a window wholly shared by both
        time.sleep(1.5)
        second.send_signal(signal.SIGKILL)  # in the middle of the next one
        killed_in = both + 1
        second.wait(10)
        time.sleep(killed_in + 5.05 - time.time())  # and four windows of the export alone
        assert export.poll() is None, "the export ended early"
        ledger = sqlite3.connect(Path(env["XDG_CACHE_HOME"]) / "promo-tui" / "budget.sqlite3")
        held = "SELECT count(*) FROM calls WHERE pid = ? AND done IS NULL"
        assert ledger.execute(held, (second.pid,)).fetchone() == (0,)
        ledger.close()
    finally:
        for process in (second, export):
            if process.poll() is None:
                process.send_signal(signal.SIGINT if process is export else signal.SIGKILL)
                process.wait(10)
    stats = server.state.stats_snapshot()
    assert "429" not in stats["by_status"]
    windows = {w["index"]: w for w in stats["windows"] if w["account"] == cr.DEMO_ACCOUNT}
    assert all(w["count"] <= LIMIT and w["rejected"] == 0 for w in windows.values())
    # While the second client lived, its hanging calls held their share of every window.
    assert windows[both]["count"] <= LIMIT - HANGING
    # It is found dead within a second; its calls in flight count as completed then (they may
    # have reached the server), for one window more. Then the export has the whole budget.
    after = [windows[i]["count"] for i in (killed_in + 3, killed_in + 4)]
    assert all(count > LIMIT - HANGING for count in after), [
        (i, w["count"]) for i, w in sorted(windows.items())
    ]
