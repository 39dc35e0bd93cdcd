"""The filter's full-text index: one contentless FTS5 table per scope, kept in step by Store.

One table per scope (rather than one shared table with the scope as a term) keeps a filter from
merging a million-entry scope doclist on every query, and lets `cache clear` drop a scope's
index outright. A filter matches records containing every word as a word prefix ("jo gmail");
prefix indexes for 1 to 6 characters spare the expansion of a short prefix into every token
that starts with it ("olga"* -> olga1, olga2, ... from nicknames), on every query and on every
row tested against a filter (see tests/bench/README.md for what they save and cost).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

TOKENIZE = "unicode61 remove_diacritics 2"
PREFIXES = "1 2 3 4 5 6"


def table(sid: int) -> str:
    return f"fts_{int(sid)}"


def create(conn: sqlite3.Connection, sid: int) -> None:
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table(sid)} USING fts5("
        f"ftext, content='', tokenize='{TOKENIZE}', prefix='{PREFIXES}')"
    )


def select(sid: int, what: str) -> str:
    """A query of `what` of a scope's records matching an FTS query (its one parameter)."""
    name = table(sid)
    return f"SELECT {what} FROM {name} WHERE {name} MATCH ?"


def rebuild(conn: sqlite3.Connection, sid: int) -> None:
    """Recreate a scope's index (new options) from the text kept in `records`."""
    drop(conn, sid)
    create(conn, sid)
    add(conn, sid, conn.execute("SELECT rid, ftext FROM records WHERE sid = ?", (sid,)))


def is_current(conn: sqlite3.Connection, sid: int) -> bool:
    """Whether a scope's index exists with today's options (older ones are rebuilt)."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table(sid),)).fetchone()
    return row is not None and f"prefix='{PREFIXES}'" in row[0]


def drop(conn: sqlite3.Connection, sid: int) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {table(sid)}")


def add(conn: sqlite3.Connection, sid: int, rows: Iterable[tuple[int, str]]) -> None:
    """Index (rid, text) pairs."""
    conn.executemany(f"INSERT INTO {table(sid)} (rowid, ftext) VALUES (?, ?)", rows)


def remove(conn: sqlite3.Connection, sid: int, rows: Iterable[tuple[int, str]]) -> None:
    """Unindex (rid, text) pairs (a contentless table needs the text it indexed)."""
    name = table(sid)
    conn.executemany(f"INSERT INTO {name} ({name}, rowid, ftext) VALUES ('delete', ?, ?)", rows)


def optimize(conn: sqlite3.Connection, sid: int) -> None:
    """Merge the index segments, dropping what deleted records left behind."""
    name = table(sid)
    conn.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")


def seekable(filter_text: str) -> bool:
    """Whether testing one row against the filter is a seek: every word is served by a prefix
    index. (A longer word, or one the tokenizer splits, merges the rows of every term it
    matches first: a row's test then costs as much as listing them all.)"""
    longest = max(int(n) for n in PREFIXES.split())
    return all(word.isalnum() and len(word) <= longest for word in _words(filter_text))


def match_expression(filter_text: str | None) -> str | None:
    """An FTS5 query for a filter, or None when it has no word to look for."""
    terms = ['"' + word.replace('"', '""') + '"*' for word in _words(filter_text or "")]
    return " AND ".join(terms) or None


def _words(filter_text: str) -> list[str]:
    return [word for word in filter_text.split() if any(ch.isalnum() for ch in word)]
