"""The real `promo-tui` console script as a subprocess, with a private home and a short timeout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tui.sandbox import credentials as cr

PROMO_TUI = str(Path(sys.executable).parent / "promo-tui")
TIMEOUT_SECONDS = 1.0
RATE_WINDOW_SECONDS = 0.2


@dataclass(frozen=True)
class Result:
    """What a run left behind: exit code, outputs, wall time."""

    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        """The non-empty lines of stderr."""
        return [line for line in self.stderr.splitlines() if line.strip()]


def home_env(home: Path) -> dict[str, str]:
    """This process's environment without any promo-tui setting, XDG dirs under `home`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EASYPROMOS_", "EZEPO_", "PROMO_TUI_", "XDG_"))
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        (home / name.lower()).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / name.lower())
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


@dataclass
class Cli:
    """`promo-tui` against one Easypromos URL and Ezepo endpoint, run in `home`."""

    home: Path
    easypromos_url: str
    ezepo_endpoint: str
    token: str = cr.DEMO_TOKEN
    key: str = cr.EZEPO_ADMIN_KEY
    cache: bool = False

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.config = self.home / "config.toml"
        self.config.write_text(
            "[defaults]\n"
            f"cache_enabled = {str(self.cache).lower()}\n"
            f"timeout_seconds = {TIMEOUT_SECONDS}\n",
            encoding="utf-8",
        )
        self.config.chmod(0o600)

    @property
    def env(self) -> dict[str, str]:
        return home_env(self.home) | {
            "EASYPROMOS_TOKEN": self.token,
            "EASYPROMOS_API_URL": self.easypromos_url,
            "EZEPO_ENDPOINT": self.ezepo_endpoint,
            "EZEPO_KEY": self.key,
            "PROMO_TUI_RATE_WINDOW_SECONDS": str(RATE_WINDOW_SECONDS),
        }

    def run(
        self,
        *args: str,
        timeout: float = 90,
        config: bool = True,
        stdout: IO[str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
        **env: str,
    ) -> Result:
        """Run `promo-tui ARGS` (with `--config` of this home unless `config=False`); `stdout`
        replaces the captured one, `preexec_fn` runs in the child (e.g. to set a limit)."""
        argv = [PROMO_TUI, *args, *(("--config", str(self.config)) if config else ())]
        start = time.monotonic()
        done = subprocess.run(
            argv,
            stdout=stdout or subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            env=self.env | env,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec_fn,
        )
        return Result(done.returncode, done.stdout or "", done.stderr, time.monotonic() - start)
