"""tools/screenshots.py runs to the end and writes every screenshot the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_screenshot_tool_writes_every_screenshot_of_the_readme(tmp_path: Path) -> None:
    shown = set(re.findall(r"screenshots/([\w-]+)\.svg", (ROOT / "README.md").read_text()))
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "screenshots.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert {path.stem for path in tmp_path.glob("*.svg")} == shown
    insights = (tmp_path / "insights.svg").read_text()
    assert "participations:&#160;300&#160;(all&#160;cached)" in insights
