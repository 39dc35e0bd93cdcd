"""The status bar's error: its whole text opens with `!` (or a click), it clears once a later
call succeeds, and a call that succeeded only after retries is noted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from textual.widgets import DataTable, Select, Static

from tests.app.conftest import browsing, wait_until
from tests.app.test_ezepo import host, ready
from tests.notified import notifications
from tui.api.endpoints import Collection
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.error import ErrorScreen
from tui.widgets.ezepo.jobs import SUMMARY_CELLS, FetchJobs
from tui.widgets.status_bar import StatusBar

OTHER = str(credentials.OTHER_PROMOTION_ID)  # another account's: 404, not retried
SMALL = str(credentials.ACTIVE_PROMOTION_ID)


async def test_an_error_opens_in_full_and_clears_after_a_success(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        status, view = screen.query_one(StatusBar), screen.collection
        view.show(OTHER, Collection.USERS, "Elsewhere · Users")
        await wait_until(pilot, lambda: status.last_error)
        assert app.last_error is not None
        full = app.last_error[0]
        assert "Elsewhere · Users" in full and "[!]" in str(status.render())

        await pilot.press("exclamation_mark")
        assert isinstance(app.screen, ErrorScreen)
        assert str(app.screen.query_one("#error-text", Static).render()) == full
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorScreen)

        await pilot.click(StatusBar)
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))
        await pilot.press("escape")

        view.show(SMALL, Collection.USERS, "Small · Users")
        await wait_until(pilot, lambda: view.state == "idle")
        await wait_until(pilot, lambda: not status.last_error)
        assert "⚠" not in str(status.render())


async def test_a_call_that_recovered_after_retries_is_noted(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        rules = [{"kind": "503", "nth": [1], "path": f"/v2/users/{SMALL}"}]
        httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
        screen.collection.show(SMALL, Collection.USERS, "Small · Users")
        await wait_until(pilot, lambda: screen.collection.state == "idle")
        await wait_until(
            pilot, lambda: any(n.title == "Recovered" for n in notifications(app)), timeout=5
        )
        note = next(n for n in notifications(app) if n.title == "Recovered")
        assert f"/users/{SMALL}" in note.message and "2 attempts" in note.message
        assert not screen.query_one(StatusBar).last_error


async def test_a_failed_fetch_job_is_cut_with_an_ellipsis_and_shown_whole_below(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    rules = [{"kind": "500", "path": "/api/lists/fetch/"}]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    app = host(sandbox, poll_seconds=0.2, download_dir=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("5")
        jobs = screen.query_one(FetchJobs)
        jobs.query_one("#jobs-list", Select).value = credentials.DEMO_LIST_ID
        jobs.action_start()
        await wait_until(pilot, lambda: jobs.jobs and not jobs.jobs[1].running, timeout=30)
        job = jobs.jobs[1]
        assert len(job.error) > SUMMARY_CELLS
        cell = str(jobs.query_one(DataTable).get_row("1")[-1])
        assert cell.endswith("…") and job.error.startswith(cell[:-1])
        await pilot.pause()
        assert job.error in str(jobs.query_one("#jobs-detail", Static).render())


async def test_an_unknown_user_is_said_as_such(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    async with browsing(settings_for(sandbox)) as (app, screen, pilot):
        await wait_until(pilot, lambda: screen.query("#collection").first().is_mounted)
        screen.detail.open_user(SMALL, "999")
        expected = f"No user 999 in promotion {SMALL}."
        await wait_until(pilot, lambda: expected in screen.detail.related_text)
        # The app notes the error from a message posted after the pane says it: wait for it.
        await wait_until(pilot, lambda: app.last_error and expected in app.last_error[0])
