"""The summaries Insights reads (tui.store.summaries), kept as records come, change and go:
after every kind of write, each summary equals a plain SQL recount of the records themselves.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.older_cache import made_by_version
from tui.store import Store

PID = "7"
OTHER = "8"  # another promotion, written alongside: its figures stay apart


def participation(n: int, user: int, day: int = 10, second: int = 0) -> dict[str, Any]:
    return {
        "id": str(n),
        "user_id": str(user),
        "stage_id": "3",
        "created": f"2025-01-{day:02d}T{n % 24:02d}:{n % 60:02d}:{second:02d}Z",
    }


def user(uid: int, status: str | None = "validated", country: str = "ES") -> dict[str, Any]:
    return {
        "id": str(uid),
        "status": status,
        "country": country,
        "created": f"2025-01-0{1 + uid % 9}T12:00:00Z",
    }


def coin(n: int, uid: int, amount: int, balance: int, when: str) -> dict[str, Any]:
    return {
        "transaction": {
            "id": str(n),
            "user_id": str(uid),
            "amount": amount,
            "balance": balance,
            "created": when,
        }
    }


def recount(conn: sqlite3.Connection) -> dict[str, set[tuple[Any, ...]]]:
    """Every summary counted again from the records, in plain SQL, as sets of rows."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql).fetchall()

    periods = rows(
        """SELECT sid, CAST(created / 900 AS INTEGER), count(*),
            total(CASE WHEN collection = 'coin_transactions' THEN max(k2, 0) END),
            total(CASE WHEN collection = 'coin_transactions' THEN max(-k2, 0) END)
        FROM records JOIN scopes USING (sid)
        WHERE collection IN ('participations', 'users', 'coin_transactions')
        GROUP BY 1, 2"""
    )
    entries = rows(
        """SELECT promotion_id, k1, count(*) FROM records JOIN scopes USING (sid)
        WHERE collection = 'participations' GROUP BY 1, 2"""
    )
    users = rows(
        """SELECT promotion_id, id_num, json_extract(raw, '$.status'),
            json_extract(raw, '$.country')
        FROM records JOIN scopes USING (sid) WHERE collection = 'users'"""
    )
    balances = rows(
        """SELECT promotion_id, k1, k3, rid FROM records AS r JOIN scopes USING (sid)
        WHERE collection = 'coin_transactions' AND NOT EXISTS (
            SELECT 1 FROM records AS o WHERE o.sid = r.sid AND o.k1 = r.k1
            AND (o.created > r.created OR (o.created = r.created AND o.rid > r.rid)))"""
    )
    people: dict[tuple[str, int], list[Any]] = {}
    for pid, uid, n in entries:
        people.setdefault((pid, uid), [0, 0, None, None, None, None])[0] = n
    for pid, uid, status, country in users:
        person = people.setdefault((pid, uid), [0, 0, None, None, None, None])
        person[1:4] = [1, status or "(none)", country or "(none)"]
    for pid, uid, balance, rid in balances:
        people.setdefault((pid, uid), [0, 0, None, None, None, None])[4:6] = [balance, rid]
    counts: Counter[tuple[str, str, str]] = Counter()
    for (pid, _), (n, cached, status, country, *_) in people.items():
        if n:
            counts[pid, "participants", ""] += 1
        if n and cached:
            counts[pid, "status", status] += n
            counts[pid, "country", country] += n
    return {
        "periods": {(s, q, n, a, r) for s, q, n, a, r in periods},
        "people": {(pid, uid, *figures) for (pid, uid), figures in people.items()},
        "counts": {(*key, n) for key, n in counts.items()},
    }


def kept(conn: sqlite3.Connection) -> dict[str, set[tuple[Any, ...]]]:
    """The summaries as the store keeps them, in the shape of `recount`."""
    return {
        "periods": {
            (s, q, n, float(a), float(r))
            for s, q, n, a, r in conn.execute("SELECT * FROM insight_periods")
        },
        "people": set(
            conn.execute(
                "SELECT promotion_id, uid, entries, cached, status, country, balance,"
                " balance_rid FROM insight_people"
            )
        ),
        "counts": set(conn.execute("SELECT * FROM insight_counts")),
    }


def check(store: Store) -> None:
    """The kept summaries equal the recount, and are not trivially empty."""
    with store.snapshot() as conn:
        found, expected = kept(conn), recount(conn)
    for name in expected:
        assert found[name] == expected[name], name
    assert all(found.values())


def deleted_by_a_resync(store: Store, collection: str, ids: set[str]) -> None:
    """A full re-sync that sees every cached record but `ids`: it deletes those."""
    sweep = store.begin_sweep(collection, PID)
    kept = [
        record
        for record in store.iter_records(collection, PID)
        if str(record.get("id") or record.get("transaction", {}).get("id")) not in ids
    ]
    store.write_page(collection, PID, kept, sweep=sweep)
    assert sorted(store.end_sweep(collection, PID, sweep)) == sorted(ids)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open("t", "http://x", "b", directory=tmp_path) as opened:
        yield opened


def test_every_summary_equals_a_recount_after_every_kind_of_write(store: Store) -> None:
    # Inserts: users, their participations (some users never cached), coins, in pages.
    store.write_page("users", PID, [user(u, "validated" if u % 3 else "banned") for u in range(10)])
    for first in range(0, 300, 100):
        page = [participation(n, n % 17, day=10 + n % 3) for n in range(first, first + 100)]
        store.write_page("participations", PID, page)
    store.write_page("participations", OTHER, [participation(n, n % 5) for n in range(40)])
    coins = [
        coin(n, n % 6, 10 if n % 4 else -5, 100 + n, f"2025-01-10T10:0{n % 4}:00Z")
        for n in range(30)
    ]
    store.write_page("coin_transactions", PID, coins)  # ties on created: the larger rid wins
    check(store)

    # A user's status and country change; a user without one; a user cached after their
    # participations.
    store.write_page("users", PID, [user(4, "banned", "FR"), user(5, None, ""), user(16)])
    check(store)
    # Participations change user and date (to another day, another quarter hour).
    moved = [dict(participation(n, 3, day=20), id=str(n)) for n in range(0, 50, 7)]
    store.write_page("participations", PID, moved)
    # A coin transaction changes user, amount and date; a newer one for another user.
    store.write_page(
        "coin_transactions",
        PID,
        [coin(1, 5, -40, 7, "2025-02-01T00:00:00Z"), coin(99, 2, 3, 1, "2025-03-01T00:00:00Z")],
    )
    check(store)

    # Deletions (re-syncs not seeing them): participations (a user's last ones), users, the
    # newest coin of a user.
    deleted_by_a_resync(store, "participations", {str(n) for n in range(0, 300, 17)})
    deleted_by_a_resync(store, "users", {"1", "2"})
    deleted_by_a_resync(store, "coin_transactions", {"99", "1"})
    check(store)

    # A re-sync of the participations that no longer sees most of them.
    sweep = store.begin_sweep("participations", PID)
    store.write_page("participations", PID, [participation(n, n % 4) for n in range(250, 300)])
    store.write_page(
        "participations", PID, [participation(n, 9) for n in range(900, 910)], sweep=sweep
    )
    deleted = store.end_sweep("participations", PID, sweep)
    assert len(deleted) > 100
    check(store)


def test_clearing_a_promotion_leaves_nothing_of_it(store: Store) -> None:
    store.write_page("users", PID, [user(1), user(2)])
    store.write_page("participations", PID, [participation(n, n % 3) for n in range(20)])
    store.write_page("coin_transactions", PID, [coin(1, 1, 5, 5, "2025-01-10T00:00:00Z")])
    store.write_page("participations", OTHER, [participation(n, 1) for n in range(5)])
    store.clear(PID)
    check(store)
    with store.snapshot() as conn:
        for table in ("insight_periods", "insight_people", "insight_counts"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
        left = "SELECT count(*) FROM {} WHERE promotion_id = ?"
        for table in ("insight_people", "insight_counts"):
            assert conn.execute(left.format(table), (PID,)).fetchone()[0] == 0


def test_an_older_cache_gets_its_summaries_counted_once(tmp_path: Path) -> None:
    with Store.open("t", "http://x", "b", directory=tmp_path) as old:
        old.write_page("users", PID, [user(u) for u in range(5)])
        old.write_page("participations", PID, [participation(n, n % 7) for n in range(50)])
        old.write_page("coin_transactions", PID, [coin(1, 2, 5, 5, "2025-01-10T00:00:00Z")])
        path = old.path
    assert path is not None
    made_by_version(path, 5)
    said: list[str] = []
    with Store.open(
        "t", "http://x", "b", directory=tmp_path, on_upgrade=lambda: said.append("up")
    ) as new:
        assert not new.warnings
        check(new)
        new.write_page("participations", PID, [participation(n, 1) for n in range(50, 60)])
        check(new)
    assert said == ["up"]
