"""`promo-tui --demo` removes its temporary folder however it ends: quit key, SIGTERM, the
terminal closing (SIGHUP), or an exception. The app runs on a real pty, as a user starts it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

import pytest

from tests.bench._common import PtyProcess, frame_complete
from tui import launch
from tui.app import PromoTuiApp

EXIT_TIMEOUT = 60.0


def demo_folders(tmp: Path) -> list[Path]:
    return list(tmp.glob("promo-tui-demo-*"))


def started_demo(tmp: Path) -> PtyProcess:
    """`promo-tui --demo` on a pty with `tmp` as its temp dir, once its first frame is shown."""
    tmp.mkdir()
    proc = PtyProcess(
        [sys.executable, "-m", "tui", "--demo"], env={**os.environ, "TMPDIR": str(tmp)}
    )
    assert proc.wait_for(frame_complete, timeout=EXIT_TIMEOUT) is not None, proc.text()[-500:]
    assert len(demo_folders(tmp)) == 1
    return proc


@pytest.mark.parametrize(
    ("ending", "code"),
    [("quit key", 0), ("SIGTERM", 128 + signal.SIGTERM), ("SIGHUP", 128 + signal.SIGHUP)],
)
def test_demo_leaves_no_temporary_folder(tmp_path: Path, ending: str, code: int) -> None:
    tmp = tmp_path / "tmp"
    proc = started_demo(tmp)
    try:
        if ending == "quit key":
            os.write(proc.fd, b"\x11")  # ctrl+q
        elif ending == "SIGTERM":
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.kill(proc.pid, signal.SIGHUP)
        assert proc.wait_exit(EXIT_TIMEOUT) == code, proc.text()[-500:]
    finally:
        proc.close()
    assert demo_folders(tmp) == []


def test_terminal_closed_leaves_no_temporary_folder(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    proc = started_demo(tmp)
    proc.hang_up()  # the kernel sends SIGHUP (and SIGCONT), writes to the terminal fail
    try:
        assert proc.wait_exit(EXIT_TIMEOUT) is not None
    finally:
        proc.close()
    assert demo_folders(tmp) == []


def test_an_exception_leaves_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_run(self: PromoTuiApp) -> None:
        raise RuntimeError("the app broke")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(PromoTuiApp, "run", broken_run)
    with pytest.raises(RuntimeError, match="the app broke"):
        launch.launch_app(argparse.Namespace(demo=True, config=None, profile=None))
    assert demo_folders(tmp_path) == []
