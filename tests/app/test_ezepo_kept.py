"""The app keeps one Ezepo screen: a fetch job runs on while the user browses; `e` never stacks a
second copy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Select

from tests.app.conftest import SIZE, wait_until
from tests.notified import notifications
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.screens.browser import BrowserScreen
from tui.screens.ezepo import EzepoScreen
from tui.widgets.ezepo.jobs import FetchJobs


async def test_fetch_job_runs_while_browsing_and_e_opens_the_same_screen(
    sandbox: SandboxServer,
    settings_for: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the default download folder
    # the job lasts until the test ends it: a fixed length ran out on a loaded machine
    sandbox.state.ezepo.configure(job_seconds=600.0, status_word=None, list_size=None)
    app = PromoTuiApp(settings_for(sandbox, ezepo_poll_seconds=0.2))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("e")
        ezepo = app.screen
        assert isinstance(ezepo, EzepoScreen)
        await wait_until(pilot, lambda: ezepo.role is not None and ezepo.lists)
        depth = len(app.screen_stack)
        ezepo.set_focus(None)
        await pilot.press("e")
        assert app.screen is ezepo and len(app.screen_stack) == depth, "e stacked a second copy"

        jobs = ezepo.query_one(FetchJobs)
        jobs.query_one("#jobs-list", Select).value = credentials.DEMO_LIST_ID
        jobs.action_start()
        await wait_until(pilot, lambda: jobs.jobs and (p := jobs.jobs[1].progress) and p.jobid)
        await pilot.press("escape")
        assert isinstance(app.screen, BrowserScreen)
        job = jobs.jobs[1]
        assert job.running and job.progress is not None
        held_job = sandbox.state.ezepo.job(job.progress.jobid)
        assert held_job is not None
        held_job.ready_at = 0.0  # done at the next poll
        await wait_until(pilot, lambda: not job.running, timeout=15)  # while browsing
        assert job.result is not None and job.result.archive.is_file(), job.error

        await pilot.press("e")
        assert app.screen is ezepo and len(app.screen_stack) == depth
        assert ezepo.query_one(FetchJobs).jobs[1] is job

        await app.start_session(app.settings)  # another profile: a new screen, the old one gone
        assert not ezepo.is_attached
        await pilot.press("e")  # shown once the new session's clients exist
        await wait_until(pilot, lambda: isinstance(app.screen, EzepoScreen))
        assert app.screen is not ezepo


async def test_a_load_answered_after_the_session_changed_is_dropped_quietly(
    sandbox: SandboxServer, settings_for: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The affiliates load is waiting for its answer when the session changes; the answer then
    comes, and nothing of it reaches the removed screen: no crash, no error, the browser shown."""
    from tui.api.ezepo import EzepoClient

    asked, answer, ended = asyncio.Event(), asyncio.Event(), asyncio.Event()
    affiliates = EzepoClient.affiliates

    async def held(self: EzepoClient) -> object:  # the sandbox cannot hold one answer
        asked.set()
        try:
            await answer.wait()
            return await affiliates(self)
        finally:
            ended.set()

    monkeypatch.setattr(EzepoClient, "affiliates", held)
    app = PromoTuiApp(settings_for(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("e")
        assert isinstance(app.screen, EzepoScreen)
        await wait_until(pilot, asked.is_set)  # the load is waiting for its answer
        await app.start_session(app.settings)  # the screen is removed, its load still waiting
        answer.set()
        await wait_until(pilot, ended.is_set)  # answered, or cancelled with its screen
        await pilot.pause()  # whatever the load's end posted has been handled
        assert app.is_running and isinstance(app.screen, BrowserScreen)
        assert [n.message for n in notifications(app) if n.severity == "error"] == []
    assert app.return_code in (None, 0)
