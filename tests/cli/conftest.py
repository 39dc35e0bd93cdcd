"""Run the installed `promo-tui` console script as a subprocess against a sandbox over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PROMO_TUI = str(Path(sys.executable).parent / "promo-tui")
# Never printed anywhere; the affiliate key is printed only inside links, on stdout.
ALWAYS_SECRET = (cr.DEMO_TOKEN, cr.SCOPED_TOKEN, cr.OTHER_ACCOUNT_TOKEN, cr.EZEPO_ADMIN_KEY)


@dataclass
class Cli:
    """The console script with a profile made of environment variables."""

    env: dict[str, str]
    cwd: Path
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.config = self.cwd / "no-cache.toml"
        self.config.write_text("[defaults]\ncache_enabled = false\n", encoding="utf-8")
        self.config.chmod(0o600)

    def command(self, *args: str) -> list[str]:
        return [PROMO_TUI, *args]

    def run(
        self, *args: str, input: str | None = None, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run to the end; fails the test if a secret or a traceback shows."""
        result = subprocess.run(
            self.command(*args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **env},
            cwd=self.cwd,
        )
        check_output(result.stdout, result.stderr)
        return result

    def run_with_stdin(
        self, stdin: int, *args: str, answer: tuple[int, bytes]
    ) -> subprocess.CompletedProcess[str]:
        """Run with `stdin` (e.g. a pty) and write `answer[1]` to the fd `answer[0]`."""
        proc = subprocess.Popen(
            self.command(*args),
            env=self.env,
            cwd=self.cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(*answer)
        stdout, stderr = proc.communicate(timeout=60)
        check_output(stdout, stderr)
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start in the background (stdout and stderr to files in cwd)."""
        return subprocess.Popen(
            self.command(*args),
            env={**self.env, **env},
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=(self.cwd / "bg.out").open("w"),
            stderr=(self.cwd / "bg.err").open("w"),
            text=True,
        )

    def no_cache(self) -> tuple[str, str]:
        """`--config` of a profile with caching off."""
        return ("--config", str(self.config))


def check_output(stdout: str, stderr: str) -> None:
    for secret in ALWAYS_SECRET:
        assert secret not in stdout and secret not in stderr, "a secret leaked"
    assert cr.EZEPO_AFFILIATE_KEY not in stderr, "an affiliate key leaked on stderr"
    assert "Traceback" not in stderr


def cli_env(server: SandboxServer, home: Path, minute: float) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EASYPROMOS_", "EZEPO_", "PROMO_TUI_"))
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        (home / name.lower()).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / name.lower())
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env | {
        "EASYPROMOS_TOKEN": cr.DEMO_TOKEN,
        "EASYPROMOS_API_URL": server.easypromos_url,
        "EZEPO_ENDPOINT": server.ezepo_endpoint,
        "EZEPO_KEY": cr.EZEPO_ADMIN_KEY,
        "PROMO_TUI_RATE_LIMIT": "200",
        "PROMO_TUI_RATE_WINDOW_SECONDS": str(minute),
    }


@pytest.fixture
def cli(sandbox: SandboxServer, tmp_path: Path) -> Cli:
    """The CLI against the session's sandbox (its minute is 1 s), run in an empty folder."""
    work = tmp_path / "work"
    work.mkdir()
    return Cli(cli_env(sandbox, tmp_path / "home", sandbox.state.limiter.minute_seconds), work)


@pytest.fixture
def private_cli(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> Callable[..., tuple[Cli, SandboxServer]]:
    """`private_cli(minute_seconds=...)`: the CLI against a sandbox of its own."""

    def make(minute_seconds: float = 0.5, **options: object) -> tuple[Cli, SandboxServer]:
        server = sandbox_factory(minute_seconds=minute_seconds, **options)
        work = tmp_path / f"work-{server.port}"
        work.mkdir()
        return Cli(cli_env(server, tmp_path / f"home-{server.port}", minute_seconds), work), server

    return make
