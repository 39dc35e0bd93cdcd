"""Every headless command's --help ends with an example (checked in-process: no server needed)."""

from __future__ import annotations

import argparse

from tui.cli import build_parser


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                path = f"{prefix} {name}".strip()
                found[path] = child.format_help()
                found |= _commands(child, path)
    return found


def test_every_command_shows_an_example():
    helps = _commands(build_parser())
    ours = {
        name: text
        for name, text in helps.items()
        if name.split()[0] in ("export", "ezepo", "coins")
    }
    assert {"export", "coins add", "coins journal", "ezepo link", "ezepo fetch"} <= set(ours)
    for name, text in ours.items():
        assert f"examples:\n  promo-tui {name.split()[0]}" in text, name
    assert "formula" in ours["export"] and "'" in ours["export"]
