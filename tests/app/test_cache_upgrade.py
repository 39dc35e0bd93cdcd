"""A cache made by an older promo-tui is upgraded on first open, and the account pane says so."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest

from tests.app.conftest import SIZE, browser_ready, browsing, wait_until
from tests.older_cache import made_by_version
from tui.app import PromoTuiApp
from tui.config import Settings
from tui.sandbox.server import SandboxServer
from tui.store import files, schema
from tui.widgets.account_pane import AccountPane


async def test_an_older_cache_is_upgraded_and_the_account_pane_says_so(
    sandbox: SandboxServer, settings_for: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(sandbox)
    async with browsing(settings):
        pass  # the account is cached
    (path,) = files.profile_databases(settings.profile)
    made_by_version(path, schema.SCHEMA_VERSION - 1)
    release = threading.Event()
    upgrade = schema.MIGRATIONS[schema.SCHEMA_VERSION - 1]

    def held(conn: sqlite3.Connection) -> None:  # the upgrade lasts until the note was seen
        release.wait(20)
        upgrade(conn)

    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION - 1, held)
    app = PromoTuiApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(AccountPane)
        await wait_until(pilot, lambda: "Upgrading the cache" in str(pane.render()))
        release.set()
        await browser_ready(app, pilot)
        await wait_until(pilot, lambda: "promotions" in str(pane.render()))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()
