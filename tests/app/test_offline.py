"""Offline: with the API unreachable the app opens the profile's latest cache and says so."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app.conftest import browser_ready, browsing, wait_until
from tests.notified import notifications, notified
from tui import clients
from tui.api import ezepo
from tui.api.endpoints import Collection
from tui.api.retry import RetryPolicy
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.redact import Secret
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.session import session_of
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

ACTIVE = str(credentials.ACTIVE_PROMOTION_ID)


def quick_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused connections are not retried, so the test need not sit through the backoff."""
    once = RetryPolicy(attempts=1)
    monkeypatch.setattr(
        clients, "EasypromosClient", functools.partial(clients.EasypromosClient, retry=once)
    )
    monkeypatch.setattr(ezepo, "EzepoClient", functools.partial(ezepo.EzepoClient, retry=once))


async def browsed_then_gone(
    sandbox: SandboxServer, settings: Settings, *, users: bool = False
) -> int:
    """Browse the account once online (and its users, with `users`), then stop the sandbox:
    the cache holds what was read. How many promotions the tree showed."""
    async with browsing(settings) as (_, screen, pilot):
        promotions = len(screen.promotions_tree.promotions)
        if users:
            screen.collection.show(ACTIVE, Collection.USERS, "Users")
            await wait_until(pilot, lambda: screen.collection.state == "idle")
    sandbox.stop()
    return promotions


async def test_cache_is_browsed_offline_after_the_api_goes_away(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = sandbox_factory()
    settings = settings_for(sandbox)
    async with browsing(settings) as (app, screen, pilot):
        screen.collection.show(ACTIVE, Collection.USERS, "Users")
        table = screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: screen.collection.state == "idle")
        cached_rows = app.session.store.count(Collection.USERS, ACTIVE)
        await wait_until(pilot, lambda: table.row_count == cached_rows)  # (re-queried once idle)
        promotions = len(screen.promotions_tree.promotions)
    sandbox.stop()

    quick_clients(monkeypatch)
    async with browsing(settings) as (app, screen, pilot):
        assert len(screen.promotions_tree.promotions) == promotions
        status = screen.query_one(StatusBar)
        await wait_until(pilot, lambda: "offline · cached just now" in str(status.render()))

        assert screen.open_promotion(ACTIVE)
        node = screen.promotions_tree._promotion_node(ACTIVE)
        assert node is not None
        await wait_until(pilot, lambda: node.is_expanded)  # opened without an access check
        screen.collection.show(ACTIVE, Collection.USERS, "Users")
        table = screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: screen.collection.state == "offline")
        await wait_until(pilot, lambda: table.row_count == cached_rows)
        line = str(screen.query_one("#view-status", Static).render())
        assert "offline: showing the cache" in line
        await pilot.pause()  # the messages the load posted are handled
        # Said by the status bar and this line (and once at start), not by an error as well.
        notes = [(n.title, n.message) for n in notifications(app)]
        assert [title for title, _ in notes] == ["Offline"], notes
        assert not status.last_error


async def test_a_refused_start_shows_the_cache_without_waiting_out_the_retries(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = sandbox_factory()
    settings = settings_for(sandbox)
    promotions = await browsed_then_gone(sandbox, settings)

    caplog.set_level(logging.INFO, logger="tui.api.retry")
    async with browsing(settings) as (_, screen, _):  # the client's own policy: 5 attempts
        assert len(screen.promotions_tree.promotions) == promotions
        assert session_of(screen).offline
        retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
        assert not [m for m in retried if "Easypromos" in m]  # (Ezepo's role check may retry)


async def test_a_collection_opened_offline_says_so_without_waiting_out_the_retries(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Known offline, a collection's refresh tries once (it sat ~20 s on 'reading the first
    page' through every retry); the client's policy is 5 attempts."""
    sandbox = sandbox_factory()
    settings = settings_for(sandbox)
    await browsed_then_gone(sandbox, settings, users=True)

    caplog.set_level(logging.INFO, logger="tui.api.retry")
    async with browsing(settings) as (_, screen, pilot):
        assert session_of(screen).offline
        caplog.clear()
        screen.collection.show(ACTIVE, Collection.USERS, "Users")
        await wait_until(pilot, lambda: screen.collection.state == "offline")
        retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
        assert not [m for m in retried if "/v2/users/" in m], retried


async def test_a_server_error_at_start_is_still_retried(
    sandbox_factory: Callable[..., SandboxServer], settings_for: Callable[..., Settings]
) -> None:
    sandbox = sandbox_factory(faults="503:nth=1:path=/v2/organizing_brands")
    async with browsing(settings_for(sandbox)) as (_, screen, _):  # the second try answered
        assert screen.promotions_tree.promotions
        assert not session_of(screen).offline


async def test_the_status_bar_says_offline_whole_at_80_columns(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Ezepo role (its server up) and the budget's words give way: the bar was cut to
    '… │ Ezepo admin │ offline · cached j…'; an error after it is cut, not its mark."""
    easypromos, ezepo = sandbox_factory(), sandbox_factory()
    settings = settings_for(easypromos, ezepo_endpoint=ezepo.ezepo_endpoint)
    async with browsing(settings) as (_, screen, pilot):
        screen.collection.show(ACTIVE, Collection.USERS, "Users")
        await wait_until(pilot, lambda: screen.collection.state == "idle")
    easypromos.stop()

    quick_clients(monkeypatch)
    app = PromoTuiApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        status = (await browser_ready(app, pilot)).query_one(StatusBar)
        await wait_until(pilot, lambda: status.role and "offline" in status.render_line(0).text)
        line = status.render_line(0).text
        assert "offline · cached just now" in line, line
        assert "of 200" in line, line  # the budget stays, in short


async def test_offline_with_nothing_cached_says_so(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No cache of this profile and URL: the bar said 'offline · cached', with no age."""
    sandbox = sandbox_factory()
    settings = settings_for(sandbox)
    sandbox.stop()
    quick_clients(monkeypatch)
    app = PromoTuiApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: session_of(app).offline)
        status = app.screen.query_one(StatusBar)
        await wait_until(pilot, lambda: "offline" in status.render_line(0).text)
        line = status.render_line(0).text
        assert "offline · nothing cached" in line, line


async def test_gone_offline_after_reading_the_account_says_when_it_was_read(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The account read (and cached) online, then the network goes: what is cached is it."""
    sandbox = sandbox_factory()
    quick_clients(monkeypatch)
    async with browsing(settings_for(sandbox)) as (_, screen, pilot):
        sandbox.stop()
        screen.collection.show(ACTIVE, Collection.USERS, "Users")
        status = screen.query_one(StatusBar)
        await wait_until(pilot, lambda: "offline" in status.render_line(0).text)
        line = status.render_line(0).text
        assert "offline · cached just now" in line, line


async def role_checked(app: PromoTuiApp, pilot: Pilot[None]) -> None:
    """The Ezepo key's check is over, and what it posted handled."""
    await wait_until(pilot, lambda: not [w for w in app.workers if w.group == "ezepo-role"])
    await pilot.pause()


async def test_the_ezepo_check_adds_no_error_to_being_offline(
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The network down, the key check raised 'Ezepo: Could not reach Ezepo…' on top of the
    'Offline' note and the bar's 'offline · cached …'."""
    sandbox = sandbox_factory()
    settings = settings_for(sandbox)
    await browsed_then_gone(sandbox, settings)
    quick_clients(monkeypatch)
    async with browsing(settings) as (app, screen, pilot):
        await role_checked(app, pilot)
        assert session_of(app).offline and session_of(app).ezepo_role is None
        assert [n.title for n in notifications(app)] == ["Offline"]
        assert not screen.query_one(StatusBar).last_error


@pytest.mark.parametrize("fault", ["refused key", "Ezepo down"])
async def test_the_ezepo_check_still_says_its_problem_when_easypromos_answers(
    fault: str,
    sandbox_factory: Callable[..., SandboxServer],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, other = sandbox_factory(), sandbox_factory()
    if fault == "refused key":
        settings = settings_for(sandbox, ezepo_key=Secret("0" * 32))
    else:
        settings = settings_for(sandbox, ezepo_endpoint=other.ezepo_endpoint)
        other.stop()
    quick_clients(monkeypatch)
    async with browsing(settings) as (app, screen, pilot):
        await role_checked(app, pilot)
        assert not session_of(app).offline
        expected = "refused the API key" if fault == "refused key" else "Could not reach Ezepo"
        assert expected in screen.query_one(StatusBar).last_error
        assert notified(app, expected)
