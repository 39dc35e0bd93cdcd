"""The store's schema, its version (`PRAGMA user_version`) and the migrations between versions.

`records` holds every cached record (raw JSON last, so sort-key reads never touch it) with its
scope (`scopes`: one row per collection and promotion, with its count kept by triggers and a
`version` bumped by every write), id, created time, fetch time, four generic sort keys (see
specs.KEY_SLOTS) and the text the filter searches (indexed in one FTS5 table per scope, fts.py).
Every sort column has an index on (sid, column), so ORDER BY column, rid walks it.
`BASELINE` is version 1; the migrations bring it up to date, so new and migrated databases are
alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tui.store import fts, summaries
from tui.store.specs import KEY_SLOTS

SCHEMA_VERSION = 7

KEY_COLUMNS = tuple(f"k{i}" for i in range(1, KEY_SLOTS + 1))

_KEY_INDEXES = "\n".join(
    f"CREATE INDEX records_{col} ON records(sid, {col});" for col in KEY_COLUMNS
)

BASELINE = f"""
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE scopes (
    sid INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    written_at REAL,
    refreshed_at REAL,
    complete INTEGER NOT NULL DEFAULT 0,
    total_items INTEGER,
    UNIQUE (collection, promotion_id)
);
CREATE TABLE records (
    rid INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL REFERENCES scopes(sid),
    id TEXT NOT NULL,
    id_num INTEGER,
    created REAL,
    fetched_at REAL NOT NULL,
    {", ".join(KEY_COLUMNS)},
    ftext TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE UNIQUE INDEX records_key ON records(sid, id);
CREATE INDEX records_created ON records(sid, created);
CREATE INDEX records_id_num ON records(sid, id_num);
{_KEY_INDEXES}
CREATE VIRTUAL TABLE records_fts USING fts5(
    sid, ftext, content='records', content_rowid='rid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
    INSERT INTO records_fts(rowid, sid, ftext) VALUES (new.rid, new.sid, new.ftext);
    UPDATE scopes SET count = count + 1 WHERE sid = new.sid;
END;
CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, sid, ftext)
        VALUES ('delete', old.rid, old.sid, old.ftext);
    UPDATE scopes SET count = count - 1 WHERE sid = old.sid;
END;
CREATE TRIGGER records_au AFTER UPDATE OF ftext ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, sid, ftext)
        VALUES ('delete', old.rid, old.sid, old.ftext);
    INSERT INTO records_fts(rowid, sid, ftext) VALUES (new.rid, new.sid, new.ftext);
END;
"""


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """One FTS table per scope (fts.py); sync bookkeeping (resume cursors, full-read marks)."""
    for trigger in ("records_ai", "records_ad", "records_au"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP TABLE records_fts")
    conn.execute("ALTER TABLE scopes ADD COLUMN pending TEXT NOT NULL DEFAULT '[]'")
    conn.execute("ALTER TABLE scopes ADD COLUMN sweep INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE scopes ADD COLUMN edits INTEGER NOT NULL DEFAULT 0")  # (unused)
    conn.execute("ALTER TABLE records ADD COLUMN sweep INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        "CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN"
        " UPDATE scopes SET count = count + 1 WHERE sid = new.sid; END"
    )
    _count_deletions(conn)
    for (sid,) in conn.execute("SELECT sid FROM scopes").fetchall():
        fts.rebuild(conn, sid)


def _count_deletions(conn: sqlite3.Connection) -> None:
    """A deletion counts down its scope, and nothing else: versions 2 to 6 also counted deleted
    and changed records in `scopes.edits` (a trigger per deletion and per change), which nothing
    has read since issue 18. The column stays (DROP COLUMN needs SQLite 3.35)."""
    conn.execute("DROP TRIGGER IF EXISTS records_ad")
    conn.execute("DROP TRIGGER IF EXISTS records_au")
    conn.execute(
        "CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN"
        " UPDATE scopes SET count = count - 1 WHERE sid = old.sid; END"
    )


def _rebuild_filter_indexes(conn: sqlite3.Connection) -> None:
    """FTS prefix indexes as fts.PREFIXES says (v4: 2 to 6 characters, were 2 and 3; v5: 1 to 6)."""
    for (sid,) in conn.execute("SELECT sid FROM scopes").fetchall():
        if not fts.is_current(conn, sid):
            fts.rebuild(conn, sid)


def _v5_to_v6(conn: sqlite3.Connection) -> None:
    """Summaries for Insights, kept by triggers (summaries.py), counted once here."""
    summaries.create(conn)
    summaries.rebuild(conn)


# from-version -> the step to the next version; a new database is the baseline plus every step.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _count_deletions,
    3: _rebuild_filter_indexes,
    4: _rebuild_filter_indexes,
    5: _v5_to_v6,
    6: _count_deletions,
}


class SchemaMismatch(Exception):
    """The file's schema is newer than this code, or too old to migrate: it is rebuilt."""


UPGRADE_NOTE = "upgrading the cache for this version (once: at most ~35 s per 1,000,000 records)"


def ensure_schema(conn: sqlite3.Connection, on_upgrade: Callable[[], None] | None = None) -> int:
    """Create or migrate the schema inside one transaction; returns the version found.

    `on_upgrade` is called first when an existing cache is migrated (it may take a while:
    UPGRADE_NOTE says so)."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION or (found and found not in MIGRATIONS):
        raise SchemaMismatch(
            f"cache schema version {found} (this promo-tui reads {SCHEMA_VERSION})"
        )
    if found and on_upgrade is not None:
        on_upgrade()
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # another process?
        if version == 0:
            for statement in _statements(BASELINE):
                conn.execute(statement)
            version = 1
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _statements(script: str) -> list[str]:
    """Split a script into statements (triggers contain `;` inside BEGIN ... END)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]
