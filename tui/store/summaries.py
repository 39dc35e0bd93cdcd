"""The summaries Insights reads (tui.store.insights), kept in the transaction of every write:
opening the view reads a few small tables instead of walking a million rows.

Records are counted in and out in sets (SQL grouping the set): the records a page inserted by
`count_added`, which Store.write_page calls (a statement per summary and page, not per row);
a record deleted (by id, by a re-sync not seeing it, by clearing a collection) or changed (its
date, its user, a user's status...) by triggers on `records`, each on one row.

- `insight_periods`: per scope (participations, users, coin transactions) and quarter hour
  (UTC, `floor(created / 900)`): records, coins added and removed. Quarter hours because every
  UTC offset in use since 1972 is a whole number of them (+05:30, +05:45, +08:45, +12:45...):
  local days and hours are folded from them exactly (insights.py); a period whose bound is not
  on a quarter hour (local mean times of the past) is counted from the records themselves.
- `insight_people`: per promotion and user id: participations, whether the user is cached and
  their status and country, and the balance of their newest coin transaction (by created,
  then rid) with that transaction's created and rid. A row goes when nothing is left in it.
- `insight_counts`: per promotion: participations by the status and by the country of their
  cached user, and `participants` (users with a participation).

Records without a created time are in no period; a user id is that of one cached user. Sums
of coins with fractions may drift by rounding as records come and go (coins are whole in
practice). `rebuild` counts everything in again (the upgrade of an older cache).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

QUARTER = 900  # seconds in a bucket of insight_periods

TABLES = """
CREATE TABLE insight_periods (
    sid INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    n INTEGER NOT NULL,
    added NOT NULL DEFAULT 0,
    removed NOT NULL DEFAULT 0,
    PRIMARY KEY (sid, quarter)
) WITHOUT ROWID;
CREATE TABLE insight_people (
    promotion_id TEXT NOT NULL,
    uid NOT NULL,
    entries INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    country TEXT,
    balance,
    balance_at REAL,
    balance_rid INTEGER,
    PRIMARY KEY (promotion_id, uid)
) WITHOUT ROWID;
CREATE INDEX insight_people_entries ON insight_people (promotion_id, entries DESC, uid)
    WHERE entries > 0;
CREATE INDEX insight_people_balance ON insight_people (promotion_id, balance DESC, uid)
    WHERE balance IS NOT NULL;
CREATE TABLE insight_counts (
    promotion_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (promotion_id, name, value)
) WITHOUT ROWID;
"""


def _quarter(moment: str) -> str:
    """floor(moment / 900) in SQL (CAST truncates towards zero)."""
    whole = f"CAST({moment} / {QUARTER} AS INTEGER)"
    return f"({whole} - ({moment} < {whole} * {QUARTER}))"


def _field(raw: str, name: str) -> str:
    """A user's status or country as counted: text, "(none)" when missing or empty."""
    return f"coalesce(nullif(CAST({raw} ->> '$.{name}' AS TEXT), ''), '(none)')"


# Each collection's work is written once for a set of its records (`rows`: a subquery of
# ROW's columns, all of one scope, so of one promotion) counted in (s = 1) or out (s = -1).
# (A row value `(promotion_id, uid) IN (...)` would seek the promotion only: `IN` per column.)
ROW = ("sid", "pid", "rid", "created", "uid", "amount", "balance", "status", "country")


def _dropped(s: int, statement: str) -> list[str]:
    """`statement` (dropping rows left empty) when counting out: counting in empties none."""
    return [statement] if s < 0 else []


def _periods(s: int, rows: str) -> list[str]:
    """The records in or out of their quarter hours."""
    quarter = _quarter("created")
    return [
        f"""INSERT INTO insight_periods (sid, quarter, n, added, removed)
        SELECT sid, {quarter}, {s} * count(*), {s} * sum(max(coalesce(amount, 0), 0)),
            {s} * sum(max(-coalesce(amount, 0), 0))
        FROM {rows} WHERE created IS NOT NULL GROUP BY 1, 2
        ON CONFLICT DO UPDATE SET n = n + excluded.n, added = added + excluded.added,
            removed = removed + excluded.removed""",
        *_dropped(
            s,
            f"""DELETE FROM insight_periods WHERE n = 0
            AND (sid, quarter) IN (SELECT sid, {quarter} FROM {rows})""",
        ),
    ]


def _people_left(s: int, rows: str) -> list[str]:
    """Drop the rows of people with nothing left in them."""
    return _dropped(
        s,
        f"""DELETE FROM insight_people WHERE promotion_id IN (SELECT pid FROM {rows})
        AND uid IN (SELECT uid FROM {rows})
        AND entries = 0 AND cached = 0 AND balance_rid IS NULL""",
    )


def _counted(s: int, counts: str) -> list[str]:
    """Add `counts` (pid, name, value, n) to insight_counts; drop counts left at 0."""
    return [
        f"""INSERT INTO insight_counts (promotion_id, name, value, n)
        SELECT pid, name, value, sum(n) FROM ({counts}) GROUP BY 1, 2, 3 HAVING sum(n) != 0
        ON CONFLICT DO UPDATE SET n = n + excluded.n""",
        *_dropped(
            s,
            f"""DELETE FROM insight_counts WHERE n = 0
            AND (promotion_id, name, value) IN (SELECT pid, name, value FROM ({counts}))""",
        ),
    ]


def _participations(s: int, rows: str) -> list[str]:
    """Participations more or less for their users (and their users' status and country)."""
    per_user = f"(SELECT pid, uid, count(*) AS k FROM {rows} WHERE uid IS NOT NULL GROUP BY 1, 2)"
    joined = (
        f"FROM {per_user} AS a CROSS JOIN insight_people AS p"
        " ON p.promotion_id = a.pid AND p.uid = a.uid"
    )
    became = "a.k" if s > 0 else "0"  # the user's participations when they came or left
    counts = f"""
        SELECT a.pid, 'participants' AS name, '' AS value, {s} AS n {joined}
            WHERE +p.entries = {became}
        UNION ALL SELECT a.pid, 'status', p.status, {s} * a.k {joined} WHERE +p.cached > 0
        UNION ALL SELECT a.pid, 'country', p.country, {s} * a.k {joined} WHERE +p.cached > 0"""
    return [
        *_periods(s, rows),
        f"""INSERT INTO insight_people (promotion_id, uid, entries)
        SELECT pid, uid, {s} * k FROM {per_user} WHERE true
        ON CONFLICT DO UPDATE SET entries = entries + excluded.entries""",
        *_counted(s, counts),
        *_people_left(s, rows),
    ]


def _users(s: int, rows: str) -> list[str]:
    """Users cached or not any more: their participations move to or from their status and
    country."""
    joined = (
        f"FROM {rows} AS a CROSS JOIN insight_people AS p"
        " ON p.promotion_id = a.pid AND p.uid = a.uid WHERE +p.entries > 0"
    )
    counts = f"""
        SELECT a.pid, 'status' AS name, a.status AS value, {s} * p.entries AS n {joined}
        UNION ALL SELECT a.pid, 'country', a.country, {s} * p.entries {joined}"""
    kept = "excluded" if s > 0 else "insight_people"
    return [
        *_periods(s, rows),
        f"""INSERT INTO insight_people (promotion_id, uid, cached, status, country)
        SELECT pid, uid, {s} * count(*), max(status), max(country) FROM {rows}
        WHERE uid IS NOT NULL GROUP BY 1, 2
        ON CONFLICT DO UPDATE SET cached = cached + excluded.cached,
            status = CASE WHEN cached + excluded.cached > 0 THEN {kept}.status END,
            country = CASE WHEN cached + excluded.cached > 0 THEN {kept}.country END""",
        *_counted(s, counts),
        *_people_left(s, rows),
    ]


def _coins(s: int, rows: str) -> list[str]:
    """Coin transactions in or out: a user's balance is that of their newest transaction
    (newer: with a created time, a later one, then a larger rid)."""
    if s < 0:
        return [
            *_periods(s, rows),
            f"""UPDATE insight_people SET (balance, balance_at, balance_rid) = (
                SELECT k3, created, rid FROM records INDEXED BY records_k1
                WHERE sid = (SELECT sid FROM scopes WHERE collection = 'coin_transactions'
                    AND promotion_id = insight_people.promotion_id)
                AND k1 = insight_people.uid ORDER BY created DESC, rid DESC LIMIT 1)
            WHERE promotion_id IN (SELECT pid FROM {rows}) AND uid IN (SELECT uid FROM {rows})
                AND balance_rid IN (SELECT rid FROM {rows})""",
            *_people_left(s, rows),
        ]
    rank = "row_number() OVER (PARTITION BY uid ORDER BY created DESC, rid DESC)"
    newer = (
        "(excluded.balance_at IS NOT NULL, coalesce(excluded.balance_at, 0), excluded.balance_rid)"
        " > (balance_at IS NOT NULL, coalesce(balance_at, 0), balance_rid)"
    )
    return [
        *_periods(s, rows),
        f"""INSERT INTO insight_people (promotion_id, uid, balance, balance_at, balance_rid)
        SELECT pid, uid, balance, created, rid FROM (
            SELECT pid, uid, balance, created, rid, {rank} AS rank FROM {rows}
            WHERE uid IS NOT NULL
        ) WHERE rank = 1
        ON CONFLICT DO UPDATE SET balance = excluded.balance, balance_at = excluded.balance_at,
            balance_rid = excluded.balance_rid
        WHERE balance_rid IS NULL OR {newer}""",
    ]


# collection: its work, the columns whose change counts a record out and in again (the
# expressions compared), and ROW's figures from a record `r` (after sid, pid and rid).
_KINDS: dict[
    str,
    tuple[Callable[[int, str], list[str]], str, tuple[str, ...], Callable[[str], tuple[str, ...]]],
] = {
    "participations": (
        _participations,
        "created, k1",
        ("created", "k1"),
        lambda r: (f"{r}.created", f"{r}.k1", "NULL", "NULL", "NULL", "NULL"),
    ),
    "users": (
        _users,
        "created, id_num, raw",
        ("created", "id_num", "raw ->> '$.status'", "raw ->> '$.country'"),
        lambda r: (
            f"{r}.created",
            f"{r}.id_num",
            "NULL",
            "NULL",
            _field(f"{r}.raw", "status"),
            _field(f"{r}.raw", "country"),
        ),
    ),
    "coin_transactions": (
        _coins,
        "created, k1, k2, k3",
        ("created", "k1", "k2", "k3"),
        lambda r: (f"{r}.created", f"{r}.k1", f"{r}.k2", f"{r}.k3", "NULL", "NULL"),
    ),
}


def _rows(collection: str, r: str, source: str, where: str = "") -> str:
    """The subquery of ROW's columns of record(s) `r`."""
    values = (f"{r}.sid", "scopes.promotion_id", f"{r}.rid", *_KINDS[collection][3](r))
    # `+`: no column's affinity (an id_num compared to insight_people.uid would convert the
    # latter, and SQLite could not seek its primary key).
    named = ", ".join(f"+{value} AS {name}" for value, name in zip(values, ROW, strict=True))
    return f"(SELECT {named} FROM {source} WHERE scopes.sid = {r}.sid{where})"


def _triggers() -> list[str]:
    """A record deleted is counted out, one changed out and in again."""
    statements = []
    for collection, (work, update_of, compared, _) in _KINDS.items():
        name = f"insight_{collection}"
        only = f"(SELECT collection FROM scopes WHERE sid = {{r}}.sid) = '{collection}'"
        old, new = _rows(collection, "old", "scopes"), _rows(collection, "new", "scopes")
        out, back = ";\n".join(work(-1, old)), ";\n".join(work(1, new))
        changed = " OR ".join(f"(old.{c}) IS NOT (new.{c})" for c in compared)
        statements += [
            f"CREATE TRIGGER {name}_ad AFTER DELETE ON records WHEN {only.format(r='old')}"
            f" BEGIN {out}; END",
            f"CREATE TRIGGER {name}_au AFTER UPDATE OF {update_of} ON records"
            f" WHEN {only.format(r='new')} AND ({changed}) BEGIN {out}; {back}; END",
        ]
    return statements


def create(conn: sqlite3.Connection) -> None:
    """The tables and the triggers that keep them (empty: `rebuild` fills them)."""
    for statement in [*TABLES.split(";")[:-1], *_triggers()]:
        conn.execute(statement)


def _counting_in(records: str, where: str) -> dict[str, list[str]]:
    """Per collection, the statements counting in its records that match `where` (one `?`)."""
    source = f"records {records} CROSS JOIN scopes"
    return {
        collection: work(1, _rows(collection, "records", source, where))
        for collection, (work, *_) in _KINDS.items()
    }


_ADDED = _counting_in("NOT INDEXED", " AND records.rid > ?")  # a range of rowids
_SCOPE = _counting_in("INDEXED BY records_created", " AND records.sid = ?")


def _run(conn: sqlite3.Connection, statements: list[str], value: int) -> None:
    for statement in statements:
        conn.execute(statement, (value,) * statement.count("?"))


def count_added(conn: sqlite3.Connection, sid: int, top: int) -> None:
    """Count in the records a write inserted in scope `sid`: those above rid `top` (the
    writer holds the write lock)."""
    row = conn.execute("SELECT collection FROM scopes WHERE sid = ?", (sid,)).fetchone()
    _run(conn, _ADDED.get(row[0] if row else "", []), top)


def rebuild(conn: sqlite3.Connection) -> None:
    """Count every summary again from the records (the upgrade of an older cache)."""
    for table in ("insight_periods", "insight_people", "insight_counts"):
        conn.execute(f"DELETE FROM {table}")
    for sid, collection in conn.execute("SELECT sid, collection FROM scopes").fetchall():
        _run(conn, _SCOPE.get(collection, []), sid)
