"""The setup screen: validation, live tests against the sandbox, and a comment-keeping 0600 save."""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app.conftest import wait_until
from tests.notified import notified
from tui.config import Settings
from tui.sandbox import credentials as cr
from tui.screens.setup import SetupScreen

SIZE = (100, 40)
PENDING = object()
EXISTING = """\
# My promo-tui settings: keep this comment.
default_profile = "work"

[profiles.work]
# A slower pace for this account.
rate_limit = 150
"""


class SetupHost(App[None]):
    """A bare app that opens the setup screen and keeps what it dismisses with."""

    def __init__(self, config_path: Path, profile: str = "work") -> None:
        super().__init__()
        self.config_path, self.profile = config_path, profile
        self.result: object = PENDING

    def on_mount(self) -> None:
        self.push_screen(SetupScreen(self.config_path, self.profile), self._done)

    def _done(self, settings: Settings | None) -> None:
        self.result = settings


def fill(screen: SetupScreen, url: str, token: str, endpoint: str = "", key: str = "") -> None:
    screen.ep_url.input.value = url
    screen.ep_token.input.value = token
    screen.ez_endpoint.input.value = endpoint
    screen.ez_key.input.value = key


def text_of(screen: SetupScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_first_run_writes_0600_file_keeping_comments(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(EXISTING)
    config.chmod(0o644)
    app = SetupHost(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        fill(
            screen,
            sandbox.easypromos_url,
            cr.DEMO_TOKEN,
            sandbox.ezepo_endpoint,
            cr.EZEPO_ADMIN_KEY,
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.result is not PENDING)
    settings = app.result
    assert isinstance(settings, Settings)
    assert settings.easypromos_token is not None
    assert settings.easypromos_token.reveal() == cr.DEMO_TOKEN
    assert settings.ezepo_key is not None and settings.ezepo_key.reveal() == cr.EZEPO_ADMIN_KEY
    assert settings.rate_limit == 150
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert "# My promo-tui settings: keep this comment." in text
    assert "# A slower pace for this account." in text
    assert cr.DEMO_TOKEN in text


async def test_bad_token_is_refused_with_a_clear_message(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = SetupHost(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        fill(screen, sandbox.easypromos_url, "sbx_not_a_real_token")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "refused" in text_of(screen, "#easypromos-result"))
        await pilot.pause()
        assert "Easypromos refused the token (401)" in text_of(screen, "#easypromos-result")
        assert notified(app, "Not saved")
        assert app.result is PENDING
    assert not config.exists()


async def test_bad_values_rejected_inline_without_network(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    """Nothing is sent, counted on a sandbox of its own (the session's may still receive an
    earlier test's request), whose Ezepo endpoint the form names."""
    sandbox = sandbox_factory()
    app = SetupHost(tmp_path / "config.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        fill(screen, "ftp://example.com", "two words", sandbox.ezepo_endpoint, "")
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = [str(error.render()) for error in screen.query(".field-error")]
        assert errors[0] == "Enter an http(s) URL without a query string"
        assert errors[1].startswith("Paste the token")
        assert errors[3] == "Ezepo needs both the endpoint and the key (or neither)"
        assert app.result is PENDING
        await pilot.press("escape")
        assert app.result is None
    assert sandbox.state.stats_snapshot()["requests"] == 0


def test_snapshot_setup_masks_secrets(snap_compare: Any) -> None:
    # A fixed path: the screen shows it, and the snapshot must not change between runs.
    folder = Path(tempfile.gettempdir()) / "promo-tui-setup-snapshot"
    shutil.rmtree(folder, ignore_errors=True)
    app = SetupHost(folder / "config.toml")

    async def run_before(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, SetupScreen)
        fill(
            screen,
            "https://api.easypromosapp.com/v2",
            cr.DEMO_TOKEN,
            "https://ezepo.example.com",
            cr.EZEPO_ADMIN_KEY,
        )
        screen.ep_url.input.focus()
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for svg in (Path(__file__).parent / "__snapshots__").rglob("*.svg"):
        content = svg.read_text()
        for secret in (cr.DEMO_TOKEN, cr.EZEPO_ADMIN_KEY, cr.EZEPO_AFFILIATE_KEY):
            assert secret not in content, f"{secret[:6]}… in {svg.name}"
