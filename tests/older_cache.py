"""Cache files as an older promo-tui left them, for the tests of the upgrade path."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def made_by_version(path: Path, version: int) -> None:
    """Make a cache file look as one of schema `version` (5 or older) left it: without the
    summaries of version 6 (tui.store.summaries), with that user_version."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        found = "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger', 'view')"
        for kind, name in conn.execute(found).fetchall():
            if name.startswith("insight_"):
                conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.close()
