"""Ezepo's side of the session: the panes' one seam (no pane holds the HTTP client), the key's
role asked once per session, and one read of the lists however many panes ask at once."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.reliability._app import until
from tests.reliability.test_hostile_errors import settings
from tui.api.ezepo import EzepoClient
from tui.ezepo_session import EzepoSession
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

WIDGETS_AND_SCREENS = [Path("tui/widgets"), Path("tui/screens")]


def calls(sandbox: SandboxServer) -> dict[str, int]:
    by_path: dict[str, int] = sandbox.state.stats_snapshot()["by_path"]
    return {path: count for path, count in by_path.items() if path.startswith("/api/")}


async def test_opening_the_ezepo_screen_reads_each_thing_once(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The browser checked the key at start: the screen reuses its role, and its lists are read
    once though the role reaches the lists pane twice (its binding and its first value)."""
    from tui.app import PromoTuiApp
    from tui.screens.ezepo import EzepoScreen

    app = PromoTuiApp(settings(sandbox, tmp_path))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.session.ezepo_role is not None)
        await until(pilot, lambda: calls(sandbox) == {"/api/test/": 1})
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, EzepoScreen)
        await until(pilot, lambda: screen.lists and screen.affiliates)
        await until(pilot, lambda: not screen.query_one("#lists-table").loading)
        assert calls(sandbox) == {"/api/test/": 1, "/api/lists/": 1, "/api/affiliates/": 1}
        assert "Ezepo key role: admin" in str(screen.query_one("#ezepo-status").render())


async def test_ezepo_opened_during_the_browsers_key_check_reads_each_thing_once(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The screen opened while the browser's check of the key is under way (its answer held
    by the sandbox) joins that check instead of asking again."""
    from tui.app import PromoTuiApp
    from tui.screens.ezepo import EzepoScreen

    # Held 5 s, far longer than opening the screen takes (0.5 s was over before 'e' was
    # handled on a machine loaded 6), within the client's timeout; the test ends once the
    # check is answered.
    rules = [{"kind": "slow", "path": "/api/test/", "seconds": 5}]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    app = PromoTuiApp(settings(sandbox, tmp_path, timeout_seconds=15))
    async with app.run_test(size=(80, 24)) as pilot:

        def checking() -> bool:
            return any(w.group == "ezepo-role" and w.is_running for w in app.workers)

        await until(pilot, checking)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, EzepoScreen) and app.session.ezepo_role is None
        await until(pilot, lambda: screen.lists and screen.affiliates)
        await until(pilot, lambda: not screen.query_one("#lists-table").loading)
        await until(pilot, lambda: not checking())
        assert calls(sandbox) == {"/api/test/": 1, "/api/lists/": 1, "/api/affiliates/": 1}


async def test_concurrent_callers_share_one_read_of_the_lists(sandbox: SandboxServer) -> None:
    async with EzepoClient(sandbox.ezepo_endpoint, Secret(cr.EZEPO_ADMIN_KEY)) as client:
        ezepo = EzepoSession(client)
        first = asyncio.ensure_future(ezepo.lists())
        await asyncio.sleep(0)  # the read has started: the next caller joins it
        second = asyncio.ensure_future(ezepo.lists())
        first.cancel()  # a caller gone (a pane's worker replaced) leaves the read to the others
        found = await second
        assert first.cancelled() and found
        assert calls(sandbox) == {"/api/lists/": 1}
        assert await ezepo.lists() == found  # a read that ended is not reused: a new one
        assert calls(sandbox) == {"/api/lists/": 2}


def test_no_widget_or_screen_holds_an_api_client() -> None:
    """Panes and screens reach both services through the session: none imports a client but
    the setup screen, which tests credentials typed into it before they are a profile."""
    offenders: list[Any] = []
    for folder in WIDGETS_AND_SCREENS:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module in (
                    "tui.api.ezepo",
                    "tui.api.easypromos",
                    "tui.api.client",
                ):
                    offenders.append((str(path), node.module))
    setup = "tui/screens/setup.py"
    assert sorted(offenders) == [(setup, "tui.api.easypromos"), (setup, "tui.api.ezepo")]
