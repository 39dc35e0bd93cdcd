"""Deterministic seeded data, generated record by record from a hash of (seed, promotion, index).

Nothing is stored: `Dataset.record(pid, collection, index)` builds an item on demand, so start-up
is instant and the big promotion costs no memory. Ids are `base + index + 1` per (promotion,
collection), and `created` grows with the index, so id order is creation order (keyset pagination).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox import credentials as cr
from tui.sandbox.catalog import (
    BRANDS,
    COLLECTIONS,
    PROMOTION_SPECS,
    PromotionSpec,
    base_id,
)

Record = dict[str, Any]

_MASK = (1 << 64) - 1
DAY = 86_400
# The sandbox's "today" for generated dates (records are never newer than this, except added ones).
ANCHOR = 1_780_272_000  # 2026-06-01T00:00:00Z

HOSTILE_STRINGS = (
    "[bold]x[/]",
    "[@click=app.quit]x[/]",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;cHduZWQ=\x07",
    "\u0645\u0631\u062d\u0628\u0627 \u202eevil\u202c",
    "zero\u200bwidth\u200d\ufeff",
    "=SUM(A1)",
    "+1-2",
    "@cmd|' /C calc'!A0",
    "Long " * 1000,
)

_FIRST = (
    "Ana",
    "Jordi",
    "Marta",
    "Pau",
    "Lucia",
    "Hugo",
    "Noa",
    "Iker",
    "Emma",
    "Leo",
    "Sara",
    "Omar",
    "Yuki",
    "Chen",
    "Olga",
    "Tom\u00e1s",
    "In\u00e9s",
    "Zo\u00eb",
    "Ren\u00e9",
    "Aisha",
)
_LAST = (
    "Garcia",
    "Puig",
    "Martin",
    "Ferrer",
    "Lopez",
    "Vidal",
    "Smith",
    "M\u00fcller",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Wang",
    "Kowalski",
    "Silva",
    "O'Brien",
    "Nguyen",
    "Svensson",
    "Costa",
)
_COUNTRIES = ("ES", "FR", "DE", "IT", "PT", "GB", "US", "MX", "AR", "JP", None)
_LANGUAGES = ("spa", "cat", "eng", "fra", "deu", "ita", "por")
_DOMAINS = ("example.com", "example.org", "mail.example.net", "example.es")
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
)
_ANSWERS = ("yes", "no", "maybe")
_STAGE_TYPES = ("form", "wheel", "quiz", "game", "instant_win", "photo")
_PRIZE_WORDS = ("T-shirt", "Watch", "Voucher", "Backpack", "Headphones", "Mug", "Trip", "Ticket")
_PROMO_WORDS = (
    "Summer",
    "Winter",
    "Spin",
    "Quiz",
    "Giveaway",
    "Contest",
    "Club",
    "Rewards",
    "Match",
    "Festival",
    "Loyalty",
    "Advent",
)
_BRAND_NAMES = ("Acme Drinks", "Blue Harbor Foods", "Cumbre Sports", "Delta Books", "Estrella Cafe")


def mix(*parts: int) -> int:
    """A fast 64-bit hash of integers (splitmix64 finalizer); the same on every run and platform."""
    h = 0x243F6A8885A308D3
    for part in parts:
        h = (h * 0x100000001B3 + part) & _MASK
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
    return h ^ (h >> 31)


_DAYS: dict[int, str] = {}


def iso(ts: float, zulu: bool = False) -> str:
    """ISO-8601 in UTC, as the API writes it (`+00:00`, or `Z` when `zulu`)."""
    day, seconds = divmod(int(ts), DAY)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))
    hours, rest = divmod(seconds, 3600)
    return f"{date}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{'Z' if zulu else '+00:00'}"


@dataclass
class _Span:
    start: int
    end: int
    created: int
    data_end: int = field(init=False)

    def __post_init__(self) -> None:
        self.data_end = max(self.start + DAY, min(self.end, ANCHOR))


def _pick(options: tuple[Any, ...], h: int) -> Any:
    return options[h % len(options)]


class Dataset:
    """All seeded records of one seed; pure functions of (seed, promotion, collection, index)."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.specs = {spec.id: spec for spec in PROMOTION_SPECS}
        self._spans = {spec.id: self._span(spec) for spec in PROMOTION_SPECS}
        self._builders: dict[str, Callable[[PromotionSpec, int, float | None], Record]] = {
            "stages": self._stage,
            "prize_types": self._prize_type,
            "users": self._user,
            "participations": self._participation,
            "prizes": self._prize,
            "ranking": self._ranking_row,
            "coin_transactions": self._coin_transaction,
        }
        self._base = {
            (spec.id, collection): base_id(spec, collection)
            for spec in PROMOTION_SPECS
            for collection in COLLECTIONS
        }
        self._step = {
            (spec.id, collection): max(
                (self._spans[spec.id].data_end - self._spans[spec.id].start)
                // max(spec.counts[collection], 1),
                1,
            )
            for spec in PROMOTION_SPECS
            for collection in COLLECTIONS
        }
        self.brands = {brand: self._brand(brand) for ids in BRANDS.values() for brand in ids}
        self.promotions = {spec.id: self._promotion(spec) for spec in PROMOTION_SPECS}

    def h(self, *parts: int) -> int:
        return mix(self.seed, *parts)

    # ----- account level -------------------------------------------------------------------
    def account_of(self, pid: int) -> str | None:
        spec = self.specs.get(pid)
        return spec.account if spec else None

    def _brand(self, brand_id: int) -> Record:
        name = _pick(_BRAND_NAMES, self.h(brand_id))
        return {"id": brand_id, "name": f"{name} {brand_id % 100}"}

    def _span(self, spec: PromotionSpec) -> _Span:
        h = self.h(spec.id, 1)
        created = ANCHOR - 1000 * DAY + spec.index * 2 * DAY + h % DAY  # grows with the id
        if spec.status == "draft":
            start = ANCHOR + (30 + h % 90) * DAY
            end = start + (30 + h % 60) * DAY
        elif spec.status == "active":
            start = created + (3 + h % 20) * DAY
            end = ANCHOR + (900 + h % 300) * DAY
        else:
            start = created + (3 + h % 20) * DAY
            end = start + (20 + h % 120) * DAY
        return _Span(start, end, created)

    def _promotion(self, spec: PromotionSpec) -> Record:
        h = self.h(spec.id, 2)
        span = self._spans[spec.id]
        title = f"{_pick(_PROMO_WORDS, h)} {_pick(_PROMO_WORDS, h >> 8)} {2025 + h % 2}"
        if spec.id == cr.BIG_PROMOTION_ID:
            title = f"Big Wheel of Summer {2025 + h % 2}"
        if spec.hostile:
            title = "[bold]Hostile[/] =SUM(A1) \x1b[31mpromo\x1b[0m \u202etxet\u202c"
        return {
            "id": str(spec.id),
            "organizing_brand": dict(self.brands[spec.brand_id]),
            "promotion_type": _pick(("wheel", "quiz", "sweepstakes", "instant_win", "game"), h),
            "title": title,
            "internal_ref": None if h % 3 == 0 else f"REF-{spec.id}",
            "description": "Spin, play and win." if h % 4 else None,
            "status": spec.status,
            "timezone": _pick(("Europe/Madrid", "UTC", "America/Mexico_City", "Asia/Tokyo"), h),
            "start_date": iso(span.start, zulu=bool(h & 1)),
            "end_date": iso(span.end),
            "default_language": _pick(_LANGUAGES, h >> 4),
            "created": iso(span.created),
            "url": f"https://promotions.example.com/{spec.id}",
        }

    # ----- per promotion ---------------------------------------------------------------------
    def count(self, pid: int, collection: str) -> int:
        return self.specs[pid].counts[collection]

    def record(
        self,
        pid: int,
        collection: str,
        index: int,
        created: float | None = None,
        brief: bool = False,
    ) -> Record:
        """Item number `index` (0 = oldest), full or `brief` (list form, when cheaper to build);
        `created` overrides the date (added items)."""
        if brief and collection == "users":
            return self._user_brief(self.specs[pid], index, created)
        return self._builders[collection](self.specs[pid], index, created)

    def index_of(self, pid: int, collection: str, record_id: int) -> int:
        return record_id - self._base[pid, collection] - 1

    def _id(self, spec: PromotionSpec, collection: str, index: int) -> int:
        return self._base[spec.id, collection] + index + 1

    def _created(self, spec: PromotionSpec, collection: str, index: int, h: int) -> int:
        """Creation time of seeded record `index`: grows with the index (h gives the jitter)."""
        step = self._step[spec.id, collection]
        return self._spans[spec.id].start + step * index + h % step

    def _stage(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        h = self.h(spec.id, 10, i)
        span = self._spans[spec.id]
        kind = _pick(_STAGE_TYPES, h)
        return {
            "id": self._id(spec, "stages", i),
            "name": f"{kind.replace('_', ' ').title()} {i + 1}",
            "type": kind,
            "start_date": iso(span.start),
            "end_date": iso(span.end, zulu=True),
            "visible": h % 5 != 0,
        }

    def _prize_type(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        h = self.h(spec.id, 11, i)
        word = _pick(_PRIZE_WORDS, h)
        qty = 10 + h % 500
        prizes = spec.counts["prizes"]
        kinds = max(spec.counts["prize_types"], 1)
        given = min(qty, prizes // kinds + (1 if i < prizes % kinds else 0))
        return {
            "id": str(self._id(spec, "prize_types", i)),
            "name": word,
            "ref": f"{word.upper()}-{i + 1}",
            "description": f"A {word.lower()} for the lucky ones.",
            "assignation_type": _pick(("instant_win", "draw", "ranking", "direct"), h >> 3),
            "qty": str(qty),
            "given": str(given),
            "image": None if h % 4 == 0 else f"https://cdn.example.com/prizes/{h % 9999}.png",
            "instructions": None if h % 3 == 0 else "Show the code at the counter.",
        }

    def _hostile(self, spec: PromotionSpec, i: int) -> str | None:
        if spec.hostile and i < len(HOSTILE_STRINGS):
            return HOSTILE_STRINGS[i]
        if spec.id == cr.BIG_PROMOTION_ID and i % 2503 == 3:
            return HOSTILE_STRINGS[(i // 2503) % len(HOSTILE_STRINGS)]
        return None

    def _user_brief(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        """The list form of a user (the fields of `summarize("users", ...)`), built directly."""
        h = self.h(spec.id, 12, i)
        first, last = _pick(_FIRST, h), _pick(_LAST, h >> 7)
        ts = self._created(spec, "users", i, h >> 40) if created is None else created
        return {
            "id": str(self._id(spec, "users", i)),
            "promotion_id": spec.id,
            "first_name": first,
            "last_name": last if h % 11 else None,
            "nickname": self._hostile(spec, i) or f"{first.lower()}{h % 1000}",
            "login_type": _pick(("email", "email", "facebook", "google", "autologin"), h >> 17),
            "status": _pick(("validated", "validated", "pending", "blocked"), h >> 21),
            "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@{_DOMAINS[(h >> 3) % 4]}",
            "created": iso(ts),
            "country": _pick(_COUNTRIES, h >> 13),
        }

    def _user(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        user = self._user_brief(spec, i, created)
        h = self.h(spec.id, 12, i)
        uid = user["id"]
        return {
            **user,
            "social_id": str(h % 10**12) if h % 7 == 0 else None,
            "external_id": f"EXT-{uid}" if h % 5 == 0 else None,
            "phone": f"+34 6{h % 100_000_000:08d}" if h % 3 else None,
            "birthday": (
                f"{1950 + h % 55}-{1 + (h >> 5) % 12:02d}-{1 + (h >> 9) % 28:02d}"
                if h % 4
                else None
            ),
            "avatar_img": f"https://cdn.example.com/avatars/{uid}.jpg" if h % 6 == 0 else None,
            "language": _pick(_LANGUAGES, h >> 25),
            "custom_properties": [
                {
                    "id": 1,
                    "title": "Favourite flavour",
                    "ref": "flavour",
                    "value": _pick(("lemon", "orange", "cola", None), h >> 29),
                },
                {
                    "id": 2,
                    "title": "Notes",
                    "ref": "notes",
                    "value": self._hostile(spec, i + 1) or "Loves the summer promotions",
                },
            ],
            "meta_data": {
                "utm_source": _pick(("newsletter", "facebook", None), h >> 33),
                "utm_medium": _pick(("email", "social", None), h >> 35),
                "utm_campaign": f"camp{h % 9}" if h % 2 else None,
                "referral_url": None,
                "ip": f"10.{h % 256}.{(h >> 8) % 256}.{(h >> 16) % 256}",
                "user_agent": _pick(_AGENTS, h >> 37),
                "legals": {
                    "terms_url": "https://promotions.example.com/terms",
                    "privacy_url": "https://promotions.example.com/privacy",
                    "accepted_cookies": bool(h & 2),
                },
            },
        }

    def user_index_for(self, spec: PromotionSpec, collection: str, i: int, h: int) -> int:
        """A user existing when record `i` of `collection` was created (h picks which)."""
        users = spec.counts["users"]
        n = max(spec.counts[collection], 1)
        return h % max(min(users, i * users // n + 1), 1)

    def user_id(self, spec: PromotionSpec, index: int) -> int:
        return self._id(spec, "users", index)

    def user_summary(self, pid: int, index: int) -> Record:
        return self._user_brief(self.specs[pid], index, None)

    def _prize_step(self, spec: PromotionSpec) -> int:
        return max(spec.counts["participations"] // max(spec.counts["prizes"], 1), 1)

    def prize_index_of_participation(self, pid: int, index: int) -> int | None:
        """Index of the prize won by participation `index`, None when it won nothing."""
        spec = self.specs[pid]
        step = self._prize_step(spec)
        won = index % step == 0 and index // step < spec.counts["prizes"]
        return index // step if won and index < spec.counts["participations"] else None

    def _participation_refs(self, spec: PromotionSpec, i: int) -> tuple[int, int, int]:
        """(hash, stage index, user index) of participation `i`."""
        h = self.h(spec.id, 14, i)
        stage_index = h % max(spec.counts["stages"], 1)
        return h, stage_index, self.user_index_for(spec, "participations", i, h >> 20)

    def _participation(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        h, stage_index, user_index = self._participation_refs(spec, i)
        ts = self._created(spec, "participations", i, h >> 40) if created is None else created
        hostile = self._hostile(spec, i)
        return {
            "id": self._base[spec.id, "participations"] + i + 1,
            "promotion_id": str(spec.id),
            "stage_id": self._base[spec.id, "stages"] + stage_index + 1,
            "user_id": str(self._base[spec.id, "users"] + user_index + 1),
            "created": iso(ts, zulu=True),
            "ip": f"192.0.2.{h % 250 + 1}",
            "user_agent": _AGENTS[(h >> 5) % 3],
            "points": (h >> 11) % 5000 if stage_index == 0 else None,
            "data": [
                {
                    "ref": "answer",
                    "title": "Your answer",
                    "values": [hostile or _ANSWERS[(h >> 15) % 3]],
                },
            ],
        }

    def _prize(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        h = self.h(spec.id, 15, i)
        pindex = min(i * self._prize_step(spec), max(spec.counts["participations"] - 1, 0))
        _, stage_index, user_index = self._participation_refs(spec, pindex)
        ptype = self._prize_type(spec, i % max(spec.counts["prize_types"], 1), None)
        ts = self._created(spec, "prizes", i, h >> 40) if created is None else created
        pid = self._id(spec, "prizes", i)
        return {
            "id": pid,
            "prize_type": {"id": ptype["id"], "name": ptype["name"], "ref": ptype["ref"]},
            "user_id": str(self._id(spec, "users", user_index)),
            "stage_id": self._id(spec, "stages", stage_index),
            "participation_id": self._id(spec, "participations", pindex),
            "created": iso(ts),
            "code": f"WIN-{h % 36**6:06X}" if h % 3 else None,
            "download_url": f"https://promotions.example.com/prize/{pid}.pdf"
            if h % 4 == 0
            else None,
            "redeem_url": f"https://promotions.example.com/redeem/{pid}" if h % 2 else None,
        }

    def _ranking_row(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        users = max(spec.counts["users"], 1)
        uindex = self.h(spec.id, 16) % users
        user_index = (uindex + i * 7919) % users
        points = 100_000 - i * 37 - self.h(spec.id, 17, i) % 30
        user = self._user(spec, user_index, None)
        return {
            "id": self._id(spec, "ranking", i),
            "position": i + 1,
            "user_id": user["id"],
            "points": max(points, 0),
            "user": {"id": user["id"], "nickname": user["nickname"]},
        }

    def coin_amounts(self, spec: PromotionSpec, user_index: int) -> list[tuple[int, int]]:
        """(amount, balance after) of each seeded transaction of one user, oldest first."""
        balance, out = 0, []
        for r in range(spec.coin_rounds):
            h = self.h(spec.id, 18, user_index, r)
            amount = 10 + 5 * (h % 19)
            if r and h & 1 and balance:
                amount = -min(balance, amount)
            balance += amount
            out.append((amount, balance))
        return out

    def seeded_balance(self, pid: int, user_index: int) -> int:
        amounts = self.coin_amounts(self.specs[pid], user_index)
        return amounts[-1][1] if amounts else 0

    def coin_name(self, pid: int) -> str:
        return _pick(("Coins", "Stars", "Points", "Gems"), self.h(pid, 19))

    def coin_transaction(
        self,
        pid: int,
        tid: int,
        user_index: int,
        amount: int,
        balance: int,
        created: float,
        reason: str | None,
        kind: str,
    ) -> Record:
        """A coin transaction list item: {"transaction": {...}, "user": {...}}."""
        spec = self.specs[pid]
        return {
            "transaction": {
                "id": str(tid),
                "user_id": str(self.user_id(spec, user_index)),
                "promotion_id": pid,
                "coin_id": 1,
                "coin_name": self.coin_name(pid),
                "amount": amount,
                "balance": balance,
                "created": iso(created),
                "transaction_type": kind,
                "reason": reason,
                "extra": None,
            },
            "user": self.user_summary(pid, user_index),
        }

    def _coin_transaction(self, spec: PromotionSpec, i: int, created: float | None) -> Record:
        users = max(spec.counts["users"], 1)
        user_index, rnd = i % users, i // users
        rounds = self.coin_amounts(spec, user_index)
        amount, balance = rounds[min(rnd, len(rounds) - 1)] if rounds else (10, 10)
        h = self.h(spec.id, 20, i)
        ts = self._created(spec, "coin_transactions", i, h) if created is None else created
        reason = self._hostile(spec, i) or ("Welcome bonus" if rnd == 0 else "Shop purchase")
        kind = "earn" if amount > 0 else "spend"
        return self.coin_transaction(
            spec.id,
            self._id(spec, "coin_transactions", i),
            user_index,
            amount,
            balance,
            ts,
            reason,
            kind,
        )


# Fields of list items (summaries); GET by id gives the full record.
_SUMMARY_FIELDS = {
    "promotions": (
        "id",
        "organizing_brand",
        "title",
        "status",
        "start_date",
        "end_date",
        "created",
    ),
    "users": (
        "id",
        "promotion_id",
        "first_name",
        "last_name",
        "nickname",
        "login_type",
        "status",
        "email",
        "created",
        "country",
    ),
}


def summarize(collection: str, record: Record) -> Record:
    """The list form of a full record (a copy)."""
    fields = _SUMMARY_FIELDS.get(collection)
    if fields is not None:
        return {key: record[key] for key in fields}
    return dict(record)


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()
