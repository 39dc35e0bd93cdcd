"""A forced crash of the real `promo-tui`: one line on the terminal, the details in a crash file.

The app (and a headless command) crash in a frame that holds the token in a local variable and
in the exception's message. Textual alone would print every frame's locals: the terminal must
show neither the token nor any local, only the line naming the crash file, which exists, is
0600 and holds the traceback with the token masked.
"""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.reliability._cli import home_env

CANARY = "crash-canary-token-8d1f"

SCRIPT = textwrap.dedent(
    """
    import sys
    from textual.app import App
    from tui import cli
    from tui.app import PromoTuiApp
    from tui.commands import _clients, cache

    def crash(*args):
        secret_local = CANARY
        raise RuntimeError(f"forced crash holding {secret_local}")

    PromoTuiApp.on_mount = lambda self: crash()  # the app, in Textual's hands
    PromoTuiApp.run = lambda self: App.run(self, headless=True)
    cache._info = crash  # a plain command, in cli.main's
    _clients.ezepo_client = crash  # an async command, in run_async's
    sys.exit(cli.main(sys.argv[1:]))
    """
).replace("CANARY", repr(CANARY))


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = home / "config.toml"
    config.write_text(f'[profiles.default]\neasypromos_token = "{CANARY}"\n', encoding="utf-8")
    config.chmod(0o600)
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=home_env(home) | {"EASYPROMOS_API_URL": "http://127.0.0.1:9/v2"},
        cwd=home,
    )


@pytest.mark.parametrize(
    "args", [(), ("cache", "info"), ("ezepo", "test")], ids=["app", "command", "async command"]
)
def test_a_crash_prints_one_line_and_writes_a_redacted_private_file(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = run(tmp_path, *args)
    terminal = done.stdout + done.stderr
    assert done.returncode == 1, terminal
    assert CANARY not in terminal
    assert "secret_local" not in terminal and "Traceback" not in terminal
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, terminal
    files = list((tmp_path / "xdg_state_home" / "promo-tui").glob("crash-*.txt"))
    assert len(files) == 1
    assert str(files[0]) in lines[0] and "promo-tui crashed" in lines[0]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    report = files[0].read_text(encoding="utf-8")
    assert "RuntimeError: forced crash holding ***" in report and "Traceback" in report
    assert CANARY not in report
    # No locals listed ('secret_local = ...'). Python 3.13 shows the source of `-c` code in a
    # traceback, so the name alone is there, in the line that raised.
    assert not re.search(r"secret_local\s*[=:]", report)
