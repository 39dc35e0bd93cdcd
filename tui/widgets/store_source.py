"""The row source of a cached collection: every query runs in SQL in the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from tui.api.endpoints import Collection
from tui.declarations import DECLARATIONS
from tui.store import Store
from tui.store.database import Abandoned
from tui.widgets.row_source import Record


class StoreRowSource:
    """One collection of one promotion in the store, filtered and sorted by the store."""

    def __init__(self, store: Store, collection: Collection, promotion_id: str | None) -> None:
        self.store = store
        self.collection = collection
        self.promotion_id = promotion_id or ""
        self._declaration = DECLARATIONS[collection]
        self._filter: str | None = None
        self._sort: str | None = None
        self._descending: bool | None = None

    def count(self) -> int:
        return self.store.count(self.collection, self.promotion_id, self._filter)

    def total(self) -> int:
        return self.store.count(self.collection, self.promotion_id)

    def rows(self, offset: int, limit: int) -> Sequence[Record]:
        return self._rows(offset, limit, self._filter)

    def _rows(self, offset: int, limit: int, filter_text: str | None) -> Sequence[Record]:
        return self.store.rows(
            self.collection,
            self.promotion_id,
            offset,
            limit,
            filter_text=filter_text,
            sort=self._sort,
            descending=self._descending,
        )

    def warm_filter(self, text: str, limit: int, stale: Callable[[], bool]) -> None:
        """Count the filter's matches and read its first page now: the store keeps its match
        set and the page's place in the order, so applying the filter later reads little."""
        words = text.strip() or None
        try:
            with self.store.abandoned_when(stale):
                self.store.count(self.collection, self.promotion_id, words)
                self._rows(0, limit, words)
        except Abandoned:
            pass  # typed over: the next text is warmed instead

    def set_sort(self, key: str | None, descending: bool) -> None:
        self._sort = key
        self._descending = descending if key is not None else None

    def set_filter(self, text: str) -> None:
        self._filter = text.strip() or None

    def version(self) -> int:
        return self.store.version(self.collection, self.promotion_id)

    def index_of(self, row_id: str) -> int | None:
        return self.store.index_of(
            self.collection,
            self.promotion_id,
            row_id,
            filter_text=self._filter,
            sort=self._sort,
            descending=self._descending,
        )

    def snapshot(self) -> AbstractContextManager[object]:
        return self.store.snapshot()

    def key_of(self, record: Record) -> str | None:
        return self._declaration.id_of(record)
