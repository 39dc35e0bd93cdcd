"""A promotion at a glance, read from the summaries the store keeps (tui.store.summaries).

Per-period counts (participations, new users, coins added and removed) fold the quarter hours
of `insight_periods` into the periods asked for, whose bounds are computed here from the
promotion's timezone (SQLite knows no timezones) and passed as one JSON array; a period whose
bound is not on a quarter hour (a local mean time of the past) is counted from the records'
`created` index instead. Per-user figures are read off `insight_people` (its top rows by
participations and by balance) and `insight_counts`; the rankings' names are read for their
ten rows only. `read` does it all in one read transaction: no walk of the records.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.store.specs import parse_time
from tui.store.store import Store
from tui.store.summaries import QUARTER
from tui.store.views import pid_text

By = Literal["day", "hour"]
HOURLY_AGE = 3 * 86400.0
"""A promotion younger than this (from its start) is counted per hour by default."""
MAX_PERIODS = 50_000
TOP = 10
COLLECTIONS = ("participations", "users", "coin_transactions")


class InsightsError(ValueError):
    """The figures cannot be computed as asked (its message is meant for the user)."""


@dataclass(frozen=True)
class Zone:
    """The timezone periods are counted in, and why that one."""

    name: str
    info: tzinfo
    why: str


def zone_of(promotion: dict[str, Any], utc: bool = False) -> Zone:
    """The promotion's own `timezone` (IANA), or UTC when asked or when it has none usable."""
    if utc:
        return Zone("UTC", timezone.utc, "instead of the promotion's timezone")
    name = promotion.get("timezone")
    if isinstance(name, str) and name.strip():
        try:
            return Zone(name.strip(), ZoneInfo(name.strip()), "the promotion's timezone")
        except (ZoneInfoNotFoundError, ValueError):
            return Zone("UTC", timezone.utc, "the promotion's timezone is not one we know")
    return Zone("UTC", timezone.utc, "the promotion's timezone is not known")


def default_by(promotion: dict[str, Any], now: float | None = None) -> By:
    """Hours for a promotion that started less than three days ago (or has not started), else
    days."""
    start = parse_time(promotion.get("start_date")) or parse_time(promotion.get("created"))
    current = time.time() if now is None else now
    return "hour" if start is not None and current - start < HOURLY_AGE else "day"


@dataclass(frozen=True)
class Period:
    """One row of the per-period table: its start (label and epoch) and what happened in it."""

    label: str  # ISO: 2026-05-03, or 2026-05-03T14:00+02:00 per hour
    start: float
    participations: int
    new_users: int
    coins_added: float
    coins_removed: float


@dataclass(frozen=True)
class Coverage:
    """How much of one collection the cache holds."""

    collection: str
    cached: int
    known_total: int | None
    complete: bool

    @property
    def partial(self) -> bool:
        return not self.complete

    def label(self) -> str:
        """`participations cached: 12,300 of ~100,000`, `users: 25,000 (all cached)`."""
        name = self.collection.replace("_", " ")
        if self.complete:
            return f"{name}: {self.cached:,} (all cached)"
        if not self.cached and not self.known_total:
            return f"{name}: not cached"
        total = f"~{self.known_total:,}" if self.known_total else "~?"
        return f"{name} cached: {self.cached:,} of {total}"


@dataclass(frozen=True)
class Ranked:
    """A user in a ranking: id, a name when the cache has one, the value ranked."""

    user_id: str
    name: str
    value: float


@dataclass(frozen=True)
class Share:
    """A value of a field and how many records have it."""

    value: str
    count: int


@dataclass
class Insights:
    """Everything the Insights view and `promo-tui insights` show."""

    promotion_id: str
    zone: Zone
    by: By
    periods: list[Period]
    coverage: dict[str, Coverage]
    start: float | None  # the promotion's start and end (epoch seconds)
    end: float | None
    until: float = 0.0  # the end of the last period
    participations: int = 0
    users: int = 0
    participants: int = 0  # users with at least one cached participation
    coins_added: float = 0
    coins_removed: float = 0
    top_balance: list[Ranked] = field(default_factory=list)
    top_participations: list[Ranked] = field(default_factory=list)
    by_status: list[Share] = field(default_factory=list)
    by_country: list[Share] = field(default_factory=list)

    @property
    def partial(self) -> list[Coverage]:
        """The collections the cache does not hold whole."""
        return [c for c in self.coverage.values() if c.partial]


# -- periods ----------------------------------------------------------------------------------


def period_bounds(low: float, high: float, zone: tzinfo, by: By) -> list[tuple[str, float]]:
    """(label, start) of each day or hour from the one holding `low` to the one holding `high`,
    in `zone`; a last entry ("", end) closes the last period. Days start at local midnight (23
    or 25 hours long across a DST change); hours are 3,600 s from a local whole hour."""
    first = datetime.fromtimestamp(low, zone)
    bounds: list[tuple[str, float]] = []
    if by == "day":
        day = first.date()
        last = datetime.fromtimestamp(high, zone).date()
        while True:
            bounds.append((day.isoformat(), _midnight(day, zone)))
            if day > last:
                break
            day += timedelta(days=1)
            if len(bounds) > MAX_PERIODS:
                raise InsightsError(f"more than {MAX_PERIODS:,} days: the dates look wrong")
    else:
        moment = first.replace(minute=0, second=0, microsecond=0).timestamp()
        while True:
            local = datetime.fromtimestamp(moment, zone)
            bounds.append((local.isoformat(timespec="minutes"), moment))
            if moment > high:
                break
            moment += 3600.0
            if len(bounds) > MAX_PERIODS:
                raise InsightsError(f"more than {MAX_PERIODS:,} hours: use --by day")
    _, end = bounds.pop()
    return [*bounds, ("", end)]


def _midnight(day: date, zone: tzinfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


# -- reading ----------------------------------------------------------------------------------

_SCOPE = (
    "SELECT sid, count, complete, total_items FROM scopes WHERE collection = ? AND promotion_id = ?"
)
# Two subqueries: SQLite reads a lone min() or max() off the index's end, not both at once.
_RANGE = """
SELECT (SELECT min(created) FROM records INDEXED BY records_created WHERE sid = :s),
    (SELECT max(created) FROM records INDEXED BY records_created WHERE sid = :s)
"""
# Per period, its quarter hours summed: bounds as a JSON array [[lo, hi], ...] of quarters.
_PER_PERIOD = """
WITH b(i, lo, hi) AS (SELECT key, value ->> 0, value ->> 1 FROM json_each(:bounds))
SELECT b.i, q.sid, total(q.n), total(q.added), total(q.removed)
FROM b JOIN insight_periods AS q ON q.sid IN (:p, :u, :c) AND q.quarter >= b.lo AND q.quarter < b.hi
GROUP BY b.i, q.sid
"""
# The same from the records (bounds in seconds), for periods not made of whole quarter hours.
_PER_PERIOD_EXACTLY = """
WITH b(i, lo, hi) AS (SELECT key, value ->> 0, value ->> 1 FROM json_each(:bounds))
SELECT b.i, r.sid, count(*), total(max(r.k2, 0)), total(max(-r.k2, 0))
FROM b JOIN records AS r INDEXED BY records_created
    ON r.sid IN (:p, :u, :c) AND r.created >= b.lo AND r.created < b.hi
GROUP BY b.i, r.sid
"""
_COIN_TOTALS = "SELECT total(added), total(removed) FROM insight_periods WHERE sid = ?"
_TOP_PARTICIPANTS = """
SELECT uid, entries FROM insight_people
WHERE promotion_id = ? AND entries > 0 ORDER BY entries DESC, uid LIMIT ?
"""
_TOP_BALANCE = """
SELECT uid, balance FROM insight_people
WHERE promotion_id = ? AND balance IS NOT NULL ORDER BY balance DESC, uid LIMIT ?
"""
_COUNTS = "SELECT name, value, n FROM insight_counts WHERE promotion_id = ?"
_NAMES = """
SELECT id, json_extract(raw, '$.first_name'), json_extract(raw, '$.last_name'),
    json_extract(raw, '$.nickname'), json_extract(raw, '$.email')
FROM records WHERE sid = ? AND id IN (SELECT value FROM json_each(?))
"""
_COIN_NAMES = """
SELECT json_extract(raw, '$.transaction.user_id'), json_extract(raw, '$.user.first_name'),
    json_extract(raw, '$.user.last_name'), json_extract(raw, '$.user.nickname'),
    json_extract(raw, '$.user.email')
FROM records INDEXED BY records_k1 WHERE sid = ? AND k1 = ? LIMIT 1
"""
NO_SCOPE = -1  # a collection not cached at all: every query on it finds nothing


def read(
    store: Store,
    promotion: dict[str, Any],
    *,
    by: By | None = None,
    utc: bool = False,
    now: float | None = None,
) -> Insights:
    """The promotion's figures from the cache, in one consistent read."""
    pid = pid_text(promotion.get("id"))
    zone = zone_of(promotion, utc)
    chosen = by or default_by(promotion, now)
    start, end = parse_time(promotion.get("start_date")), parse_time(promotion.get("end_date"))
    with store.snapshot() as conn:
        coverage, sids = _coverage(conn, pid)
        found = Insights(pid, zone, chosen, [], coverage, start, end)
        found.participations = coverage["participations"].cached
        found.users = coverage["users"].cached
        bounds = _bounds(conn, sids, start, end, zone, chosen, now)
        found.periods = _periods(conn, sids, bounds)
        found.until = bounds[-1][1] if bounds else 0.0
        added, removed = conn.execute(_COIN_TOTALS, (sids["coin_transactions"],)).fetchone()
        found.coins_added, found.coins_removed = _num(added), _num(removed)
        _people(conn, found, sids)
    return found


def _people(conn: sqlite3.Connection, found: Insights, sids: dict[str, int]) -> None:
    """The rankings, the users who took part, participations by status and country."""
    pid = found.promotion_id
    for sql, into in ((_TOP_BALANCE, "top_balance"), (_TOP_PARTICIPANTS, "top_participations")):
        ranked = [Ranked(_uid(uid), "", _num(v)) for uid, v in conn.execute(sql, (pid, TOP))]
        setattr(found, into, _named(conn, sids, ranked))
    counts: dict[str, dict[str, int]] = {"status": {}, "country": {}, "participants": {}}
    for name, value, n in conn.execute(_COUNTS, (pid,)):
        counts[name][value] = int(n)
    found.participants = counts["participants"].get("", 0)
    rest = found.participations - sum(counts["status"].values())
    if rest > 0:
        missing = "(user not cached)" if sids["users"] != NO_SCOPE else "(users not cached)"
        counts["status"][missing] = counts["country"][missing] = rest
    found.by_status, found.by_country = _shares(counts["status"]), _shares(counts["country"])


def _coverage(conn: sqlite3.Connection, pid: str) -> tuple[dict[str, Coverage], dict[str, int]]:
    coverage, sids = {}, {}
    for name in COLLECTIONS:
        row = conn.execute(_SCOPE, (name, pid)).fetchone()
        sid, count, complete, total = row if row is not None else (NO_SCOPE, 0, 0, None)
        sids[name] = int(sid)
        coverage[name] = Coverage(name, int(count), total, bool(complete))
    return coverage, sids


def _bounds(
    conn: sqlite3.Connection,
    sids: dict[str, int],
    start: float | None,
    end: float | None,
    zone: Zone,
    by: By,
    now: float | None,
) -> list[tuple[str, float]]:
    """The periods from the earliest of the start and the first record to the latest record,
    or to the end (or now, before the end) when that is later."""
    moments = [start] if start is not None else []
    for name in COLLECTIONS:
        moments += [m for m in conn.execute(_RANGE, {"s": sids[name]}).fetchone() if m is not None]
    if not moments:
        return []
    current = time.time() if now is None else now
    closing = min(end, current) if end is not None else None
    if closing is not None and start is not None and closing >= start:
        moments.append(closing)
    return period_bounds(min(moments), max(moments), zone.info, by)


def _periods(
    conn: sqlite3.Connection, sids: dict[str, int], bounds: list[tuple[str, float]]
) -> list[Period]:
    """Each period's figures: summed from quarter hours when both its bounds are on one, else
    counted from the records."""
    if not bounds:
        return []
    params: dict[str, object] = {
        "p": sids["participations"],
        "u": sids["users"],
        "c": sids["coin_transactions"],
    }
    whole: dict[int, list[float]] = {}
    exact: dict[int, list[float]] = {}
    for i, ((_, lo), (_, hi)) in enumerate(itertools.pairwise(bounds)):
        if lo % QUARTER or hi % QUARTER:
            exact[i] = [lo, hi]
        else:
            whole[i] = [lo // QUARTER, hi // QUARTER]
    figures: dict[tuple[int, int], tuple[float, float, float]] = {}
    for sql, wanted in ((_PER_PERIOD, whole), (_PER_PERIOD_EXACTLY, exact)):
        if wanted:
            rows = conn.execute(sql, {**params, "bounds": json.dumps(list(wanted.values()))})
            keys = list(wanted)
            figures.update(((keys[i], sid), (n, a, r)) for i, sid, n, a, r in rows)

    def of(i: int, name: str) -> tuple[float, float, float]:
        return figures.get((i, sids[name]), (0, 0, 0))

    return [
        Period(
            label,
            moment,
            int(of(i, "participations")[0]),
            int(of(i, "users")[0]),
            _num(of(i, "coin_transactions")[1]),
            _num(of(i, "coin_transactions")[2]),
        )
        for i, (label, moment) in enumerate(bounds[:-1])
    ]


def _shares(counts: dict[str, int]) -> list[Share]:
    return [Share(value, n) for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _named(conn: sqlite3.Connection, sids: dict[str, int], ranked: list[Ranked]) -> list[Ranked]:
    """Ranked users with their names (from the cached users, else from a cached coin
    transaction's copy of its user)."""
    wanted = sorted({r.user_id for r in ranked})
    names = {
        str(uid): _full_name(parts)
        for uid, *parts in conn.execute(_NAMES, (sids["users"], json.dumps(wanted)))
    }
    for uid in wanted:
        if uid not in names and uid.isdigit():
            row = conn.execute(_COIN_NAMES, (sids["coin_transactions"], int(uid))).fetchone()
            if row is not None:
                names[uid] = _full_name(row[1:])
    return [replace(r, name=names.get(r.user_id, "")) for r in ranked]


def _full_name(parts: tuple[Any, ...] | list[Any]) -> str:
    first, last, nickname, email = (p if isinstance(p, str) else "" for p in parts)
    return " ".join(p for p in (first, last) if p) or nickname or email


def _uid(value: object) -> str:
    return "" if value is None else str(int(value) if isinstance(value, float) else value)


def _num(value: float) -> float:
    """Whole amounts as ints (coins are whole in practice), fractions kept."""
    return int(value) if float(value).is_integer() else value


# -- the promotion itself ---------------------------------------------------------------------

PROMOTION = "promotion"
"""The scope keeping a promotion's full record (the promotions list holds summaries without a
timezone), under its own id so that clearing the promotion clears it."""


def remember_promotion(store: Store, promotion: dict[str, Any]) -> None:
    """Keep a promotion's full record for later reads without the API."""
    store.write_page(PROMOTION, promotion.get("id"), [promotion])


def cached_promotion(store: Store, promotion_id: str) -> dict[str, Any] | None:
    """The promotion's full record if kept, else its summary from the promotions list."""
    return store.get(PROMOTION, promotion_id, promotion_id) or store.get(
        "promotions", None, promotion_id
    )
