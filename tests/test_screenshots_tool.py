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
    # Ordinary scenes: the promotion opened in the tree is the one whose collection loads (the
    # table's title names it), and nothing made to test inert text is on show.
    loading = text_of(tmp_path / "table-loading.svg")
    assert "Big Wheel of Summer 2025 · Participations" in loading
    for path in tmp_path.glob("*.svg"):
        assert "Hostile" not in text_of(path), path.name
    assert "Acme Drinks suppression" in text_of(tmp_path / "ezepo.svg")


def text_of(svg: Path) -> str:
    """The SVG's text, its non-breaking spaces as spaces."""
    return svg.read_text().replace("&#160;", " ")
