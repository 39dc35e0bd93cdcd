"""What the virtual table reads: a row source (count, a window of rows, sort, filter, version).

The table never holds a collection: it asks its source for the rows it shows. The store-backed
source runs its queries in SQL; `ListRowSource` is the in-memory one (small lists, tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Record = Mapping[str, Any]


def dotted(record: Record, path: str) -> Any:
    """The value at a dotted path (`"transaction.amount"`) of a record, or None."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Column:
    """A table column: the record field it shows (a dotted path), its title and width.

    `sort` names the order the source knows for this column (None: not sortable); `fallbacks`
    are other paths of the same field (APIs name it differently), the first present wins.
    """

    key: str
    title: str
    width: int = 12
    numeric: bool = False
    sort: str | None = None
    render: Callable[[Any], str] | None = field(default=None, compare=False)
    fallbacks: tuple[str, ...] = ()

    def value(self, record: Record) -> Any:
        """The field's value in `record`: at `key`, else at the first fallback that has one."""
        value = dotted(record, self.key)
        for path in self.fallbacks:
            if value is not None and value != "":
                break
            value = dotted(record, path)
        return value

    def cell(self, record: Record) -> str:
        """The cell text for `record` (not yet cleaned of control characters)."""
        value = self.value(record)
        if self.render is not None:
            return self.render(value)
        return "" if value is None else str(value)


@runtime_checkable
class RowSource(Protocol):
    """Rows the table shows. Methods may block (SQL): the table calls them from a worker thread."""

    def count(self) -> int:
        """How many rows match the current filter."""
        ...

    def total(self) -> int:
        """How many rows there are, filter or not."""
        ...

    def rows(self, offset: int, limit: int) -> Sequence[Record]:
        """Rows `offset` .. `offset + limit` in the current order and filter."""
        ...

    def set_sort(self, key: str | None, descending: bool) -> None:
        """Order by the field `key` (None: the source's natural order)."""
        ...

    def set_filter(self, text: str) -> None:
        """Keep only the rows that contain `text` ("" keeps all)."""
        ...

    def warm_filter(self, text: str, limit: int, stale: Callable[[], bool]) -> None:
        """Get ready to show the first `limit` rows under filter `text` (one being typed), the
        current filter staying as it is: a source that evaluates filters slowly does it now,
        and may stop once `stale()` (typed over)."""
        ...

    def version(self) -> int:
        """A number that changes whenever the underlying data changes."""
        ...

    def index_of(self, row_id: str) -> int | None:
        """Position of the row with this id in the current order and filter, if present."""
        ...

    def key_of(self, record: Record) -> str | None:
        """The id of a record (what `index_of` takes)."""
        ...

    def snapshot(self) -> AbstractContextManager[object]:
        """Calls made inside see one state of the data (none changes between them)."""
        ...


class ListRowSource:
    """A row source over a list of records held in memory."""

    def __init__(self, records: Sequence[Record] = (), *, search_keys: Sequence[str] = ()) -> None:
        self._all: list[Record] = list(records)
        self._search_keys = tuple(search_keys)
        self._sort: tuple[str | None, bool] = (None, False)
        self._filter = ""
        self._view: list[Record] = self._all
        self._version = 0
        self._lock = threading.RLock()

    def extend(self, records: Sequence[Record]) -> None:
        """Append records (a page that just arrived)."""
        with self._lock:
            self._all.extend(records)
            self._version += 1
            self._rebuild()

    def snapshot(self) -> AbstractContextManager[object]:
        return self._lock

    def count(self) -> int:
        return len(self._view)

    def total(self) -> int:
        return len(self._all)

    def rows(self, offset: int, limit: int) -> Sequence[Record]:
        return self._view[max(offset, 0) : max(offset, 0) + limit]

    def set_sort(self, key: str | None, descending: bool) -> None:
        self._sort = (key, descending)
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self._filter = text.casefold()
        self._rebuild()

    def warm_filter(self, text: str, limit: int, stale: Callable[[], bool]) -> None:
        """Nothing to prepare: a list in memory filters quickly."""

    def version(self) -> int:
        return self._version

    def index_of(self, row_id: str) -> int | None:
        for index, record in enumerate(self._view):
            if str(record.get("id")) == row_id:
                return index
        return None

    def key_of(self, record: Record) -> str | None:
        value = record.get("id")
        return None if value is None else str(value)

    def _matches(self, record: Record) -> bool:
        keys = self._search_keys or tuple(record)
        return any(self._filter in str(dotted(record, key) or "").casefold() for key in keys)

    def _rebuild(self) -> None:
        view = [r for r in self._all if self._matches(r)] if self._filter else list(self._all)
        key, descending = self._sort
        if key is not None:
            view.sort(key=lambda r: _sort_key(dotted(r, key)), reverse=descending)
        self._view = view


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text, None last; numeric strings sort as numbers."""
    if value is None:
        return (2, "")
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        return (1, str(value).casefold())
