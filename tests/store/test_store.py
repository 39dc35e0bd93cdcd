"""The store: write-through, SQL-side sort/filter/paging, files, privacy, recovery, migration."""

from __future__ import annotations

import random
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.older_cache import made_by_version
from tui.store import Store, database, files, fts, schema, views
from tui.store.database import Abandoned
from tui.store.specs import parse_time, spec_for

PID = "1001"
NAMES = ["Ana", "John", "Maria", "Wei", "Olga", "Zoë"]


def participation(n: int, *, points: int | None = None, user: int | None = None) -> dict[str, Any]:
    uid = user if user is not None else n % 37
    name = NAMES[n % len(NAMES)]
    return {
        "id": str(n),
        "promotion_id": PID,
        "stage_id": str(n % 3 + 1),
        "user_id": str(uid),
        "created": f"2024-03-{1 + n // 1440 % 28:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00Z",
        "points": str(points if points is not None else (n * 7919) % 101),
        "user": {"id": str(uid), "first_name": name, "email": f"{name.lower()}.x{n}@mail.test"},
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    opened = Store.open("test", "http://127.0.0.1/v2", ["7", "3"], directory=folder)
    yield opened
    opened.close()


def fill(store: Store, count: int, page: int = 100) -> list[dict[str, Any]]:
    items = [participation(n) for n in range(1, count + 1)]
    for start in range(0, count, page):
        store.write_page("participations", PID, items[start : start + page])
    return items


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def test_write_page_counts_new_and_changed(store: Store) -> None:
    first = store.write_page("participations", PID, [participation(1), participation(2)])
    assert (first.added, first.changed) == (2, 0)
    again = store.write_page("participations", 1001, [participation(1), participation(2, points=5)])
    assert (again.added, again.changed) == (0, 1)
    assert store.get("participations", PID, 2) == participation(2, points=5)
    assert store.count("participations", PID) == 2
    assert store.count("participations", "other") == 0


def test_sort_and_paging_match_python(store: Store) -> None:
    items = fill(store, 1000)
    by_points = sorted(items, key=lambda r: (int(r["points"]), int(r["id"])))
    for offset in (0, 10, 480, 990, 999):
        got = store.rows("participations", PID, offset, 25, sort="points", descending=False)
        assert ids(got) == ids(by_points[offset : offset + 25])
        desc = store.rows("participations", PID, offset, 25, sort="points", descending=True)
        assert ids(desc) == ids(by_points[::-1][offset : offset + 25])
    newest = store.rows("participations", PID, 0, 3)  # default: created, newest first
    assert ids(newest) == ["1000", "999", "998"]
    assert store.rows("participations", PID, 1000, 10) == []
    with pytest.raises(ValueError):
        store.rows("participations", PID, 0, 10, sort="nonsense")


def test_filter_matches_word_prefixes_and_sorts(store: Store, filter_mode: str) -> None:
    items = fill(store, 600)
    olgas = [r for r in items if r["user"]["first_name"] == "Olga"]
    assert store.count("participations", PID, "olg") == len(olgas)
    assert store.count("participations", PID, "OLGA mail.test") == len(olgas)
    assert store.count("participations", PID, "zoe") == len(items) // len(NAMES)  # diacritics
    assert store.count("participations", PID, "olga.x4") == len(
        [r for r in olgas if r["user"]["email"].startswith("olga.x4")]
    )
    assert store.count("participations", PID, '"; DROP') == 0
    assert store.count("participations", PID, "  ") == 600
    expected = sorted(olgas, key=lambda r: (int(r["user_id"]), int(r["id"])))
    for offset in (0, 40, len(olgas) - 5):
        got = store.rows(
            "participations", PID, offset, 10, "olga", sort="user_id", descending=False
        )
        assert ids(got) == ids(expected[offset : offset + 10])
    rare = store.rows("participations", PID, 0, 10, "olga.x412", sort="points")
    assert ids(rare) == ["412"]


def test_index_of_follows_order_and_filter(store: Store) -> None:
    fill(store, 300)
    for sort, desc in (("created", True), ("points", False), ("points", True), ("id", False)):
        rows = store.rows("participations", PID, 0, 300, sort=sort, descending=desc)
        for pos in (0, 17, 150, 299):
            found = store.index_of(
                "participations", PID, rows[pos]["id"], sort=sort, descending=desc
            )
            assert found == pos
    olga = store.rows("participations", PID, 0, 100, "olga", sort="points")
    assert store.index_of("participations", PID, olga[7]["id"], "olga", sort="points") == 7
    assert store.index_of("participations", PID, "1", "olga") is None  # filtered out
    assert store.index_of("participations", PID, "nope") is None


def test_sort_keys_with_missing_values(store: Store) -> None:
    users = [
        {"id": str(n), "created": "2024-01-01T00:00:00Z", "email": f"U{n}@x.test"} for n in range(5)
    ]
    users += [{"id": "9", "created": "2024-01-02T00:00:00Z"}]  # no email
    store.write_page("users", PID, users)
    asc = ids(store.rows("users", PID, 0, 10, sort="email", descending=False))
    assert asc == ["9", "0", "1", "2", "3", "4"]  # missing first ascending, case ignored
    desc = ids(store.rows("users", PID, 0, 10, sort="email", descending=True))
    assert desc == asc[::-1]
    for pos, record_id in enumerate(desc):
        assert store.index_of("users", PID, record_id, sort="email", descending=True) == pos


def test_records_of_one_second_in_a_page_come_back_in_the_apis_order(store: Store) -> None:
    # (Across pages they do not yet: a later page's rows of the same second come first.)
    page = [participation(n) for n in range(109, 99, -1)]  # newest first, as the API sends
    for item in page:
        item["created"] = "2024-03-01T10:00:00Z"
    store.write_page("participations", PID, page)
    assert ids(store.rows("participations", PID, 0, 10)) == ids(page)
    assert ids(list(store.iter_records("participations", PID))) == ids(page)
    ascending = store.rows("participations", PID, 0, 10, descending=False)
    assert ids(ascending) == ids(page)[::-1]


def test_iter_records_streams_everything_in_order(store: Store) -> None:
    items = fill(store, 450)
    streamed = list(store.iter_records("participations", PID, batch_size=7))
    assert streamed == store.rows("participations", PID, 0, 1000)
    assert sorted(ids(streamed)) == sorted(ids(items))


def test_coin_transactions_are_keyed_by_the_wrapped_transaction(store: Store) -> None:
    rows = [
        {
            "transaction": {
                "id": str(n),
                "user_id": "5",
                "amount": n - 2,
                "created": f"2024-01-0{n}",
            },
            "user": {"id": "5", "nickname": "coiner"},
        }
        for n in range(1, 5)
    ]
    store.write_page("coin_transactions", PID, rows)
    got = store.rows("coin_transactions", PID, 0, 10, "coiner", sort="amount", descending=False)
    assert [r["transaction"]["id"] for r in got] == ["1", "2", "3", "4"]


def test_freshness_and_version(store: Store) -> None:
    assert store.version("participations", PID) == -1
    assert store.freshness("participations", PID).count == 0
    fill(store, 250)
    version = store.version("participations", PID)
    store.write_page("participations", PID, [participation(999)])
    assert store.version("participations", PID) > version
    store.mark_refreshed("participations", PID, complete=True, total_items=251)
    fresh = store.freshness("participations", PID)
    assert (fresh.count, fresh.complete, fresh.total_items) == (251, True, 251)
    assert fresh.refreshed_at is not None


def test_other_process_writes_bump_version(store: Store, folder: Path) -> None:
    fill(store, 10)
    other = Store.open("test", "http://127.0.0.1/v2", ["3", "7"], directory=folder)
    assert other.path == store.path  # brands in any order: same file
    before = store.version("participations", PID)
    other.write_page("participations", PID, [participation(500)])
    other.close()
    assert store.version("participations", PID) > before
    assert store.count("participations", PID) == 11


def test_files_are_private(store: Store, folder: Path) -> None:
    fill(store, 10)
    assert store.path is not None and store.path.parent == folder
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "token" not in store.path.name
    assert store.info()["api_base_url"] == "http://127.0.0.1/v2"


def test_caching_off_touches_no_disk(folder: Path) -> None:
    cache = folder / "cache"
    mem = Store.open("test", "http://x/v2", "b", enabled=False, directory=cache)
    mem.write_page("participations", PID, [participation(n) for n in range(1, 50)])
    assert mem.count("participations", PID, "olga") == 8
    assert len(list(mem.iter_records("participations", PID))) == 49
    assert mem.path is None
    mem.clear()
    mem.close()
    assert not cache.exists()


def _disk_bytes(store: Store) -> bytes:
    assert store.path is not None
    found = b""
    for suffix in ("", "-wal"):
        path = Path(f"{store.path}{suffix}")
        if path.exists():
            found += path.read_bytes()
    return found


def test_clear_leaves_no_personal_data_in_file_or_wal(store: Store) -> None:
    fill(store, 300)
    store.write_page("users", "2002", [{"id": "1", "email": "keeper@other.test"}])
    assert b"olga.x4@mail.test" in _disk_bytes(store)
    assert store.clear(PID) == 300
    on_disk = _disk_bytes(store)
    assert b"mail.test" not in on_disk and b"Olga" not in on_disk and b"olga" not in on_disk
    assert store.count("users", "2002") == 1
    assert store.clear() == 1
    assert b"keeper" not in _disk_bytes(store)


def test_max_age_deletes_old_collections(folder: Path) -> None:
    with Store.open("p", "u", "b", directory=folder) as first:
        first.write_page("participations", PID, [participation(1)], fetched_at=1_000.0)
        first.write_page("participations", "2", [participation(1)])
    with Store.open("p", "u", "b", directory=folder, max_age_days=30) as second:
        assert second.count("participations", PID) == 0
        assert second.count("participations", "2") == 1


def test_corrupt_file_is_moved_aside_and_rebuilt(folder: Path) -> None:
    with Store.open("p", "u", "b", directory=folder) as good:
        good.write_page("participations", PID, [participation(1)])
        path = good.path
    assert path is not None
    path.write_bytes(b"this is not a database" * 300)
    with Store.open("p", "u", "b", directory=folder) as rebuilt:
        assert rebuilt.count("participations", PID) == 0
        assert rebuilt.warnings and "damaged" in rebuilt.warnings[0]
        rebuilt.write_page("participations", PID, [participation(2)])
    aside = [p for p in folder.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and stat.S_IMODE(aside[0].stat().st_mode) == 0o600
    assert aside[0] in files.profile_databases("p", folder)


def test_corrupt_pages_inside_a_database_are_detected(folder: Path) -> None:
    with Store.open("p", "u", "b", directory=folder) as good:
        path = good.path
    assert path is not None
    data = bytearray(path.read_bytes())
    data[4096:8192] = bytes(random.Random(1).randrange(256) for _ in range(4096))
    path.write_bytes(bytes(data))
    with Store.open("p", "u", "b", directory=folder) as rebuilt:
        assert rebuilt.warnings
        assert rebuilt.count("participations", PID) == 0


def test_newer_schema_is_rebuilt(folder: Path) -> None:
    with Store.open("p", "u", "b", directory=folder) as good:
        good.write_page("participations", PID, [participation(1)])
        path = good.path
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with Store.open("p", "u", "b", directory=folder) as rebuilt:
        assert "rebuilt" in rebuilt.warnings[0]
        assert rebuilt.count("participations", PID) == 0


def test_version_1_database_is_migrated(folder: Path) -> None:
    path = files.database_path("p", "u", "b", folder)
    files.create_private(path)
    conn = sqlite3.connect(str(path), isolation_level=None)
    for statement in schema._statements(schema.BASELINE):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO scopes (collection, promotion_id) VALUES ('users', '1001')")
    conn.execute(
        "INSERT INTO records (sid, id, id_num, created, fetched_at, ftext, raw)"
        ' VALUES (1, \'5\', 5, ?, 0, \'ana\', \'{"id": "5", "first_name": "Ana"}\')',
        (parse_time("2024-01-01T00:00:00Z"),),
    )
    conn.close()
    with Store.open("p", "u", "b", directory=folder) as migrated:
        assert not migrated.warnings
        assert migrated.rows("users", PID, 0, 5, "ana") == [{"id": "5", "first_name": "Ana"}]
        assert migrated.freshness("users", PID).pending == ()
        sweep = migrated.begin_sweep("users", PID)
        assert migrated.end_sweep("users", PID, sweep) == ["5"]
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()


def test_version_6_stops_counting_edits_and_still_counts_deletions(folder: Path) -> None:
    """Versions 2 to 6 also counted changed and deleted records in `scopes.edits`, a trigger
    per record that nothing read: version 7 drops it."""
    with Store.open("p", "u", "b", directory=folder) as old:
        old.write_page("participations", PID, [participation(n) for n in range(1, 4)])
        path = old.path
    made_by_version(path, 6)
    with Store.open("p", "u", "b", directory=folder) as new:
        assert not new.warnings
        new.write_page("participations", PID, [{**participation(1), "points": 99}])
        sweep = new.begin_sweep("participations", PID)
        new.write_page("participations", PID, [participation(2)], sweep=sweep)
        assert new.end_sweep("participations", PID, sweep) == ["1", "3"]
        assert new.count("participations", PID) == 1
    conn = sqlite3.connect(str(path))
    triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    (edits,) = conn.execute("SELECT edits FROM scopes").fetchone()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert version == schema.SCHEMA_VERSION == 7
    assert triggers and not any("edits" in sql for (sql,) in triggers)
    assert edits == 0  # (made by version 6 from a new file: nothing had counted yet)


def test_version_4_filter_index_is_rebuilt_with_one_letter_prefixes(folder: Path) -> None:
    # Without a one-letter prefix index, each probe of a filter like "o" merged every token
    # starting with it (12 s for a first page at 1,000,000 rows).
    with Store.open("p", "u", "b", directory=folder) as old:
        old.write_page("participations", PID, [participation(n) for n in range(1, 7)])
        path = old.path
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("DROP TABLE fts_1")
    conn.execute(
        "CREATE VIRTUAL TABLE fts_1 USING fts5(ftext, content='',"
        " tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6')"
    )
    conn.execute("INSERT INTO fts_1 (rowid, ftext) SELECT rid, ftext FROM records")
    conn.close()
    made_by_version(path, 4)
    said: list[str] = []
    with Store.open("p", "u", "b", directory=folder, on_upgrade=lambda: said.append("up")) as new:
        assert not new.warnings
        assert ids(new.rows("participations", PID, 0, 10, "o")) == ["4"]  # Olga
    assert said == ["up"]  # told before the rebuild; not again once upgraded, nor for a new one
    Store.open("p", "u", "b", directory=folder, on_upgrade=lambda: said.append("up")).close()
    Store.open("p", "u", "other", directory=folder, on_upgrade=lambda: said.append("up")).close()
    assert said == ["up"]
    conn = sqlite3.connect(str(path))
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'fts_1'").fetchone()
    conn.close()
    assert "prefix='1 2 3 4 5 6'" in sql


def test_profile_databases_and_remove(folder: Path) -> None:
    Store.open("work", "u", "a", directory=folder).close()
    Store.open("work", "u", "b", directory=folder).close()
    Store.open("work--x", "u", "a", directory=folder).close()
    found = files.profile_databases("work", folder)
    assert len(found) == 2
    for path in found:
        files.remove_database(path)
    assert [p.name for p in folder.iterdir() if not p.name.startswith("work--x")] == []


def test_filter_follows_writes_updates_and_deletes(store: Store) -> None:
    items = fill(store, 120)  # Olga: n % 6 == 4
    assert store.count("participations", PID, "olga") == 20
    store.write_page("participations", PID, [participation(604), participation(605)])
    assert store.count("participations", PID, "olga") == 21  # the match set grew
    renamed = participation(4)
    renamed["user"].update(first_name="Ana", email="ana.x4@mail.test")
    store.write_page("participations", PID, [renamed])
    assert store.count("participations", PID, "olga") == 20
    assert store.count("participations", PID, "ana") == 21
    sweep = store.begin_sweep("participations", PID)  # a full read that does not see 10
    seen = [renamed, participation(604), participation(605)]
    seen += [r for r in items if r["id"] not in ("4", "10")]
    store.write_page("participations", PID, seen, sweep=sweep)
    assert store.end_sweep("participations", PID, sweep) == ["10"]
    assert store.count("participations", PID, "olga") == 19
    assert "10" not in ids(store.rows("participations", PID, 0, 200, "olga"))


@pytest.fixture(params=["probed", "walked", "sorted"])
def filter_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a filter test with pages found by probing the FTS index as they walk (as first
    pages of filters matching many records are), and from orders: walked a few rows a step
    (as big sets are) or sorted (as small sets are)."""
    monkeypatch.setattr(views, "PROBES", 10**9 if request.param == "probed" else 0)
    monkeypatch.setattr(views, "FIRST_STEP", 7)
    monkeypatch.setattr(views, "SORTED_SHARE", 0 if request.param == "sorted" else 10**9)
    return str(request.param)


@pytest.mark.parametrize("filter_text", [None, "olga", "olga.x4"])
def test_scrolling_row_by_row_both_ways(
    store: Store, filter_text: str | None, filter_mode: str
) -> None:
    items = fill(store, 400)
    if filter_text:
        items = [r for r in items if r["user"]["email"].startswith(filter_text)]
    expected = ids(sorted(items, key=lambda r: (int(r["points"]), int(r["id"])), reverse=True))
    view = ("participations", PID)
    for offset in [*range(0, len(expected) - 5, 3), *range(len(expected) - 1, -1, -4), 40, 2]:
        got = store.rows(*view, offset, 12, filter_text, sort="points", descending=True)
        assert ids(got) == expected[offset : offset + 12], offset


@pytest.mark.parametrize("filter_text", [None, "olga"])
def test_index_of_follows_new_rows_and_edits(store: Store, filter_text: str | None) -> None:
    items = {r["id"]: r for r in fill(store, 300)}

    def expected(record_id: str) -> int:
        shown = [r for r in items.values() if not filter_text or r["user"]["first_name"] == "Olga"]
        shown.sort(key=lambda r: (int(r["points"]), int(r["id"])), reverse=True)
        return ids(shown).index(record_id)

    view = ("participations", PID)
    page = store.rows(*view, 20, 10, filter_text, sort="points", descending=True)
    chosen = page[5]["id"]
    for batch in range(3):
        new = [participation(n) for n in range(1000 + batch * 40, 1040 + batch * 40)]
        store.write_page(*view, new)
        items.update((r["id"], r) for r in new)
        got = store.index_of(*view, chosen, filter_text, sort="points", descending=True)
        assert got == expected(chosen)
    edited = participation(int(chosen), points=0)
    store.write_page(*view, [edited])
    items[chosen] = edited
    got = store.index_of(*view, chosen, filter_text, sort="points", descending=True)
    assert got == expected(chosen)


def test_clear_while_another_store_has_the_file_open(store: Store, folder: Path) -> None:
    fill(store, 200)
    other = Store.open("test", "http://127.0.0.1/v2", ["7", "3"], directory=folder)
    assert other.count("participations", PID, "olga") > 0  # it has read, and holds a match set
    store.clear()
    assert b"mail.test" not in _disk_bytes(store)
    assert other.count("participations", PID) == 0
    other.close()


def test_open_latest_finds_the_newest_cache_of_the_profile_and_url(folder: Path) -> None:
    url = "http://127.0.0.1/v2"
    assert Store.open_latest("test", url, folder) is None
    for brands, at in ((["1"], 1_000.0), (["2"], 2_000.0)):
        with Store.open("test", url, brands, directory=folder) as opened:
            opened.write_page("promotions", None, [{"id": brands[0]}], fetched_at=at)
    with Store.open("test", "http://other/v2", ["3"], directory=folder) as other:
        other.write_page("promotions", None, [{"id": "3"}], fetched_at=3_000.0)
    with Store.open("else", url, ["4"], directory=folder) as other_profile:
        other_profile.write_page("promotions", None, [{"id": "4"}], fetched_at=4_000.0)
    latest = Store.open_latest("test", url, folder)
    assert latest is not None
    with latest:
        assert ids(latest.rows("promotions", None, 0, 10)) == ["2"]
        assert latest.info()["brands"] == "2"
    assert Store.open_latest("nobody", url, folder) is None


def test_matching_finds_a_users_records_by_field_not_text(store: Store) -> None:
    fill(store, 500)
    # user 5's id also appears inside other records' text (e.g. "15", stage 5): exact field only
    count, found = store.matching("participations", PID, "user_id", "5", limit=4)
    expected = [p for p in map(participation, range(500, 0, -1)) if p["user_id"] == "5"]
    assert count == len(expected) and count > 4
    assert ids(found) == [p["id"] for p in expected[:4]]
    assert store.matching("participations", PID, "user_id", "999999", limit=4) == (0, [])
    assert store.matching("participations", "nope", "user_id", "5", limit=4) == (0, [])
    with pytest.raises(ValueError):
        store.matching("participations", PID, "email", "x", limit=4)
    plan = " ".join(
        str(row)
        for row in store._db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM records INDEXED BY records_k1"
            " WHERE sid = 1 AND k1 = 5"
        )
    )
    assert "records_k1" in plan


def reference(store: Store, filter_text: str | None, sort: str, desc: bool) -> list[str]:
    """The ids of a participations view in order, by one plain SQL query (no paging)."""
    column, _ = views.order_column(spec_for("participations"), sort, desc)
    direction = "DESC" if desc else "ASC"
    conn = sqlite3.connect(str(store.path))
    try:
        (sid,) = conn.execute("SELECT sid FROM scopes WHERE collection = 'participations'")
        params: list[object] = [sid[0]]
        member = ""
        if filter_text:
            table = fts.table(sid[0])
            member = f" AND rid IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
            params.append(fts.match_expression(filter_text))
        sql = f"SELECT id FROM records WHERE sid = ?{member} ORDER BY {column} {direction}"
        return [i for (i,) in conn.execute(f"{sql}, rid {direction}", params)]
    finally:
        conn.close()


@pytest.mark.parametrize("background", [True, False], ids=["built", "foreground"])
@pytest.mark.parametrize("filter_text", [None, "mail", "olga"])
def test_deep_jumps_match_plain_sql(
    store: Store,
    filter_text: str | None,
    filter_mode: str,
    background: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not background:  # every page is read from what the caller itself built
        monkeypatch.setattr(views._Builder, "want", lambda *_: None)
    fill(store, 3000, page=500)
    rnd = random.Random(7)
    view = ("participations", PID)
    orders = (("points", True), ("points", False), ("stage_id", True), ("created", True))
    for round_, (sort, desc) in enumerate(orders):  # points: ties of ~30 rows, stage_id: of 1,000
        if round_:  # a new version of the view: its positions, checkpoints and order are stale
            store.write_page(*view, [participation(5000 + round_ * 10 + i) for i in range(10)])
        expected = reference(store, filter_text, sort, desc)
        middle, n = len(expected) // 2, len(expected)
        jumps = [middle, middle, middle + 3, n - 20, 5, *(rnd.randrange(n) for _ in range(20))]
        for offset in jumps:
            got = store.rows(*view, offset, 20, filter_text, sort=sort, descending=desc)
            assert ids(got) == expected[offset : offset + 20], (sort, desc, offset)
            if background and offset == middle:
                store.settle()
        for position in rnd.sample(range(n), 5):
            found = store.index_of(*view, expected[position], filter_text, sort, desc)
            assert found == position, (sort, desc, position)
    sort, desc = orders[0]  # again, at a newer version: the old order is dropped
    got = store.rows(*view, n // 2, 20, filter_text, sort=sort, descending=desc)
    assert ids(got) == reference(store, filter_text, sort, desc)[n // 2 : n // 2 + 20]
    tables = "SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'order%'"
    assert store._db.conn.execute(tables).fetchone()[0] <= 2 * views.KEEP


def sql_steps(store: Store, call: Callable[[], object]) -> int:
    """SQLite virtual-machine steps (in thousands) `call` runs: work measured, not timed."""
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    assert store.settle()
    with store._db.locked() as conn:  # (the background builder waits meanwhile)
        conn.set_progress_handler(step, 1000)
        try:
            call()
        finally:
            conn.set_progress_handler(None, 0)
    return steps[0]


def test_a_filters_order_is_built_in_the_background_and_deep_jumps_read_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "mail" matches every record: its first page is a short walk; reading it starts the
    # background build of its order (the index walked in growing steps), which a deep jump reads.
    monkeypatch.setattr(views, "FIRST_STEP", 200)
    fill(store, 20_000, page=5000)
    view = ("participations", PID)

    def jump(sort: str, offset: int) -> list[str]:
        return ids(store.rows(*view, offset, 20, "mail", sort=sort, descending=True))

    store.count(*view, "mail")  # as when the filter is typed: counted, then its first page
    first = sql_steps(store, lambda: jump("points", 0))
    assert store.settle()
    deep = sql_steps(store, lambda: jump("points", 12_000))
    assert jump("points", 12_000) == reference(store, "mail", "points", True)[12_000:12_020]
    monkeypatch.setattr(views._Builder, "want", lambda *_: None)  # none: the jump builds it
    built_here = sql_steps(store, lambda: jump("stage_id", 12_000))
    assert jump("stage_id", 12_000) == reference(store, "mail", "stage_id", True)[12_000:12_020]
    assert deep * 50 < built_here
    assert first * 10 < built_here


@pytest.mark.parametrize("checks", [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256, 400])
def test_reads_abandoned_midway_leave_the_store_as_it_was(
    store: Store, checks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PROGRESS_STEPS", 50)  # checked often: stops land mid-statement
    fill(store, 3000, page=500)
    view = ("participations", PID)
    asked = [0]

    def stale() -> bool:  # typed over after `checks` checks
        asked[0] += 1
        return asked[0] > checks

    abandoned = False
    try:
        with store.abandoned_when(stale):
            store.count(*view, "olga")
            store.rows(*view, 0, 20, "olga", sort="points", descending=True)
            store.rows(*view, 300, 20, "olga", sort="points", descending=True)
            store.index_of(*view, "1000", "olga", "points", True)
    except Abandoned:
        abandoned = True
    assert abandoned or checks > 1
    with store._db.locked() as conn:  # (the background builder's steps are transactions)
        assert not conn.in_transaction
    expected = reference(store, "olga", "points", True)
    assert store.count(*view, "olga") == len(expected) == 500
    assert (
        ids(store.rows(*view, 300, 20, "olga", sort="points", descending=True)) == expected[300:320]
    )
    store.write_page(*view, [participation(3004)])  # Olga
    assert store.count(*view, "olga") == 501


def test_index_of_a_row_outside_the_filter_orders_nothing(store: Store) -> None:
    fill(store, 600)
    assert store.index_of("participations", PID, "1", "olga") is None
    orders = "SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'order%'"
    assert store._db.conn.execute(orders).fetchone() == (0,)
    olgas = reference(store, "olga", "created", True)
    assert store.index_of("participations", PID, olgas[40], "olga") == 40


def test_closing_while_an_order_is_built_in_the_background(folder: Path) -> None:
    opened = Store.open("test", "http://127.0.0.1/v2", ["7", "3"], directory=folder)
    fill(opened, 20_000, page=5000)
    opened.rows("participations", PID, 0, 20, "mail", sort="points")  # starts the build
    builder = opened._views._builder
    opened.close()
    assert builder._thread is not None
    builder._thread.join(10)
    assert not builder._thread.is_alive() and builder.idle.is_set()


def test_reads_while_an_order_is_built_in_the_background_see_it_as_it_grows(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Steps of 50 entries: the reads below meet the build at every stage (a step it was
    # running when they came stopped for them, and was done again after).
    monkeypatch.setattr(views, "FIRST_STEP", 50)
    fill(store, 10_000, page=5000)
    view = ("participations", PID)
    expected = reference(store, "mail", "points", True)
    rnd = random.Random(3)
    for _ in range(60):
        offset = rnd.randrange(len(expected) - 20)
        got = store.rows(*view, offset, 20, "mail", sort="points", descending=True)
        assert ids(got) == expected[offset : offset + 20], offset
    assert store.settle()
    assert (
        ids(store.rows(*view, 5000, 20, "mail", sort="points", descending=True))
        == (expected[5000:5020])
    )
