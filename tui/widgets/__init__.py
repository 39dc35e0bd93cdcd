"""Widgets of the promo-tui app, one module per widget, each with its `.tcss` beside it."""

from __future__ import annotations

from pathlib import Path


def tcss_beside(module_file: str) -> str:
    """The stylesheet stored next to a widget module (`name.py` -> `name.tcss`)."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")
