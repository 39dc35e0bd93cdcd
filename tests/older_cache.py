"""Cache files as an older promo-tui left them, for the tests of the upgrade path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.store.schema import KEY_COLUMNS

EDITS_TRIGGERS = (  # what versions 2 to 6 kept in `scopes.edits` (as version 3 wrote them)
    "DROP TRIGGER records_ad",
    "CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN"
    " UPDATE scopes SET count = count - 1, edits = edits + 1 WHERE sid = old.sid; END",
    f"CREATE TRIGGER records_au AFTER UPDATE OF id_num, created, {', '.join(KEY_COLUMNS)},"
    " ftext ON records BEGIN UPDATE scopes SET edits = edits + 1 WHERE sid = new.sid; END",
)


def made_by_version(path: Path, version: int) -> None:
    """Make a cache file look as one of schema `version` (2 to 6) left it: with the triggers
    that counted edits, without the summaries of version 6 (tui.store.summaries) if older, and
    with that user_version."""
    assert 2 <= version <= 6
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        for statement in EDITS_TRIGGERS:
            conn.execute(statement)
        found = "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger', 'view')"
        for kind, name in conn.execute(found).fetchall():
            if name.startswith("insight_") and version < 6:
                conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.close()
