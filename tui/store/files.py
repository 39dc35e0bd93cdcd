"""The store's files: where they live, how they are named, opened privately and removed.

One database per profile and account: the name is the profile plus a digest of the API base
URL and the account's brands (never the token), so a second account on the same profile gets
its own file and `cache clear` can find every file of a profile without the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from tui import paths

SUFFIX = ".sqlite3"
SIDE_FILES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 15_000
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def brands_text(brands_key: str | Iterable[object]) -> str:
    """A stable text for the account's brands: a string as is, ids sorted and joined."""
    if isinstance(brands_key, str):
        return brands_key
    return ",".join(sorted(str(brand) for brand in brands_key))


def _safe(profile: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", profile) or "default"


def database_path(
    profile: str, api_base_url: str, brands_key: str | Iterable[object], directory: Path | None
) -> Path:
    """The database file of a profile's account."""
    digest = hashlib.sha256(f"{api_base_url}\n{brands_text(brands_key)}".encode()).hexdigest()
    return (directory or paths.cache_dir()) / f"{_safe(profile)}--{digest[:16]}{SUFFIX}"


def profile_databases(profile: str, directory: Path | None = None) -> list[Path]:
    """Every database file of a profile (corrupt files moved aside included)."""
    folder = directory or paths.cache_dir()
    pattern = re.compile(re.escape(_safe(profile)) + r"--[0-9a-f]{16}" + re.escape(SUFFIX) + "$")
    aside = re.compile(pattern.pattern[:-1] + r"\.corrupt-\d+$")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if pattern.match(p.name) or aside.match(p.name))


def remove_database(path: Path) -> None:
    """Delete a database file and its WAL, shared-memory and journal files."""
    for file in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            file.unlink()


def create_private(path: Path) -> None:
    """Make the folder (0700) and an empty file (0600) before SQLite opens it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def move_aside(path: Path) -> Path:
    """Rename a corrupt database (and drop its side files); returns the new name."""
    target = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    path.replace(target)
    remove_database(path)
    return target


def is_corrupt(exc: BaseException) -> bool:
    """True when SQLite says the file is damaged or not a database (not merely busy)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)  # Python >= 3.11
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. While another process creates or converts the same file, SQLite answers
    "database is locked" at once, without waiting in its busy handler: retried as long as the
    busy timeout (two app processes opening a new cache together)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect(target: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (explicit transactions), WAL, busy timeout."""
    if read_only:
        uri = f"{Path(target).absolute().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(target), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not read_only and target != ":memory:":
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA cache_size = -16000")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn
