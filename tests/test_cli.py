"""The `promo-tui` entry point: version, help, config problems as one line, warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui import __version__
from tui.cli import main

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


@pytest.mark.parametrize("words", [["--demo"], ["export", "users", "1"]])
def test_unrecognized_arguments_are_quoted_inert(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*words, "--x\x1b]52;c;eA==\x07\x1b[2J\u202e"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --x" in err
    assert not [c for c in "\x1b\x07\u202e" if c in err]
