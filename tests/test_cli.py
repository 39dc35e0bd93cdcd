"""The `promo-tui` entry point: version, help, config problems as one line, warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui import __version__

PROMO_TUI = str(Path(sys.executable).parent / "promo-tui")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMO_TUI, *args], capture_output=True, text=True, timeout=60)


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"promo-tui {__version__}"
    help_text = run("--help").stdout
    for command in ("sandbox", "export", "ezepo", "coins", "cache", "--demo", "--profile"):
        assert command in help_text


def test_world_readable_config_warns_on_stderr(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.default]\ncache_enabled = false\n")
    config.chmod(0o644)
    result = run("cache", "info", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert f"warning: {config} is readable by other users; run: chmod 600" in result.stderr


def test_config_problems_are_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.work]\n")
    config.chmod(0o600)
    result = run("--profile", "nope", "--config", str(config), "cache", "info")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"promo-tui: config error: unknown profile 'nope' in {config} (profiles: work)"
    ]
