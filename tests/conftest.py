"""Shared fixtures: an isolated environment for every test, and the sandbox over real HTTP.

- `isolated_env` (autouse): XDG config/data/cache/state dirs in tmp, no EASYPROMOS_*/EZEPO_*/
  PROMO_TUI_*.
- `sandbox`: one SandboxServer per session (minute_seconds=1.0, job_seconds=0.5); after each
  test it is reset (`SandboxState.reset`): added/deleted records, coin posts, faults, statistics,
  rate windows and Ezepo changes are undone.
- `sandbox_factory(**options)`: starts a private SandboxServer, stopped at teardown.

The suite runs in a shuffled order (pytest-randomly); its seed is printed at the end too, so an
order-dependent failure can be replayed with `--randomly-seed=N` (`-p no:randomly`: file order).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.sandbox.server import SandboxServer

_ENV_PREFIXES = ("EASYPROMOS_", "EZEPO_", "PROMO_TUI_")
SESSION_SANDBOX_OPTIONS: dict[str, Any] = {"seed": 1, "minute_seconds": 1.0, "job_seconds": 0.5}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        directory = tmp_path / name.lower()
        directory.mkdir()
        monkeypatch.setenv(name, str(directory))
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def _session_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(**SESSION_SANDBOX_OPTIONS) as server:
        yield server


@pytest.fixture
def sandbox(_session_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox, left clean for the next test."""
    yield _session_sandbox
    _session_sandbox.state.reset()


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """Start private sandboxes with custom options (e.g. `rate_limit=None`, `faults="500:1"`)."""
    started: list[SandboxServer] = []

    def start(**options: Any) -> SandboxServer:
        server = SandboxServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl+C as usual, even when the suite was started with SIGINT ignored (a background job of
    a non-interactive shell is): the commands that tests interrupt inherit it, and would ignore
    it too."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"shuffled: replay this order with --randomly-seed={seed}")
