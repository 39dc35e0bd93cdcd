"""Keyset pagination: a page is the next `limit` ids after a cursor, in creation order.

The cursor is the id of the last item of the previous page, so records added (newer ids) or deleted
while a client pages do not shift the pages it has not read yet.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

PAGE_SIZE = 100
ORDERS = ("created_desc", "created_asc")


def after_cursor(
    ids_ascending: Sequence[int], descending: bool, cursor: int | None
) -> Iterator[int]:
    """Ids of a sorted sequence that come after `cursor` in the requested order."""
    if descending:
        stop = len(ids_ascending) if cursor is None else bisect_left(ids_ascending, cursor)
        return (ids_ascending[i] for i in range(stop - 1, -1, -1))
    start = 0 if cursor is None else bisect_right(ids_ascending, cursor)
    return (ids_ascending[i] for i in range(start, len(ids_ascending)))


def id_range_after(first: int, last: int, descending: bool, cursor: int | None) -> range:
    """Ids first..last (inclusive) that come after `cursor` in the requested order."""
    if descending:
        top = last if cursor is None else min(last, cursor - 1)
        return range(top, first - 1, -1)
    bottom = first if cursor is None else max(first, cursor + 1)
    return range(bottom, last + 1)


def take_page(ids: Iterable[int], limit: int = PAGE_SIZE) -> tuple[list[int], int | None]:
    """The first `limit` ids, and the cursor for the next page (None when this is the last one)."""
    head = list(islice(ids, limit + 1))
    if len(head) > limit:
        return head[:limit], head[limit - 1]
    return head, None
