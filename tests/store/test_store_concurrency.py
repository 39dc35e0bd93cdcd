"""Several processes on one cache file: no corruption, no deadlock, nothing lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tui.store import Store

WRITER = """
import sys
from pathlib import Path
from tui.store import Store

folder, first, last = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
store = Store.open("p", "http://x/v2", "b", directory=folder)
for start in range(first, last, 100):
    page = [
        {"id": str(n), "created": "2024-01-01T00:00:00Z", "email": f"u{n}@x.test"}
        for n in range(start, min(start + 100, last))
    ]
    store.write_page("users", "1", page)
    store.write_page("participations", sys.argv[2], [{"id": str(start), "user_id": "1"}])
    assert store.count("users", "1", "x.test") >= min(start + 100, last) - first
store.close()
"""


def test_two_writers_at_once_neither_corrupt_nor_deadlock(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    workers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(first), str(last)])
        for first, last in ((0, 6000), (3000, 9000))
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    with Store.open("p", "http://x/v2", "b", directory=folder) as store:
        assert store.count("users", "1") == 9000  # overlapping ids stored once
        assert store.count("users", "1", "x.test") == 9000
        assert store.count("participations", "0") == store.count("participations", "3000") == 60
        ids = {row["id"] for row in store.iter_records("users", "1")}
        assert ids == {str(n) for n in range(9000)}
        assert store.path is not None
        path = store.path
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_reader_sees_a_writers_pages(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    reader = Store.open("p", "http://x/v2", "b", directory=folder)
    version = reader.version("users", "1")
    worker = subprocess.run(
        [sys.executable, "-c", WRITER, str(folder), "0", "300"], timeout=60, check=True
    )
    assert worker.returncode == 0
    assert reader.version("users", "1") != version
    assert reader.count("users", "1", "u299") == 1  # its filter sees the new rows too
    reader.close()


def test_no_write_lands_inside_a_snapshot(tmp_path: Path) -> None:
    store = Store.open("p", "http://x/v2", "b", directory=tmp_path / "store")
    page = [{"id": str(n), "created": "2024-01-01T00:00:00Z"} for n in range(100)]
    store.write_page("users", "1", page[:50])
    writing = threading.Event()

    def write() -> None:  # as the refresh thread writes pages while the table reads
        writing.set()
        store.write_page("users", "1", page[50:])

    writer = threading.Thread(target=write)
    with store.snapshot():
        version, count = store.version("users", "1"), store.count("users", "1")
        writer.start()
        writing.wait()
        writer.join(timeout=0.3)
        assert writer.is_alive(), "the write landed inside the snapshot"
        assert (store.version("users", "1"), store.count("users", "1")) == (version, count)
        assert len(store.rows("users", "1", 0, 100)) == 50
    writer.join(timeout=10)
    assert store.count("users", "1") == 100
    store.close()
