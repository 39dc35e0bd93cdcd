"""The virtual table's window and version logic, without Textual: which rows a read fetches,
which window the view asks for, which results are stale, which lines change."""

from __future__ import annotations

from collections.abc import Sequence

from tui.widgets.row_source import ListRowSource, Record
from tui.widgets.table_window import (
    WINDOW_SCREENS,
    Anchor,
    RowWindow,
    Shown,
    lines_to_repaint,
    read_around,
    read_window,
)

HEIGHT = 10


def source(n: int) -> ListRowSource:
    return ListRowSource([{"id": str(i), "nickname": f"player{i}"} for i in range(n)])


def ids(rows: Sequence[Record]) -> list[str]:
    return [str(row["id"]) for row in rows]


def test_a_read_without_a_record_fetches_a_screen_above_and_below_the_view() -> None:
    snapshot = read_around(source(1000), Anchor(None, 0, 0), 500, HEIGHT)
    assert (snapshot.count, snapshot.total, snapshot.cursor) == (1000, 1000, None)
    assert snapshot.start == 490
    assert ids(snapshot.rows) == [str(i) for i in range(490, 490 + HEIGHT * WINDOW_SCREENS)]


def test_a_read_follows_the_anchor_record_where_rows_moved() -> None:
    rows = source(1000)
    rows.set_sort("id", descending=True)  # record 700 is now at index 299
    snapshot = read_around(rows, Anchor("700", 700, 3), 697, HEIGHT)
    assert snapshot.cursor == 299
    assert snapshot.start == 299 - 3 - HEIGHT  # the record stays 3 lines below the view's top
    assert snapshot.rows[HEIGHT + 3]["id"] == "700"


def test_a_read_near_the_top_starts_at_the_first_row() -> None:
    snapshot = read_around(source(1000), Anchor("2", 2, 5), 0, HEIGHT)
    assert (snapshot.cursor, snapshot.start) == (2, 0)
    assert len(snapshot.rows) == HEIGHT * WINDOW_SCREENS


def test_a_window_read_carries_its_data_version() -> None:
    rows = source(100)
    version, window = read_window(rows, 40, HEIGHT)
    rows.extend([{"id": "new"}])
    assert ids(window) == [str(i) for i in range(40, 70)]
    held = RowWindow()
    held.version = version
    assert not held.is_stale(version)
    assert held.is_stale(read_window(rows, 40, HEIGHT)[0])  # rows arrived: indexes moved


def test_the_window_holds_rows_and_keeps_the_records_that_did_not_change() -> None:
    held = RowWindow()
    first = [{"id": str(i)} for i in range(20, 50)]
    held.hold(20, first)
    assert held.record_at(19) is None and held.record_at(50) is None
    assert held.record_at(20) is first[0] and held.record_at(49) is first[-1]
    again = [{"id": str(i)} for i in range(30, 60)]
    again[5] = {"id": "changed"}
    kept = held.hold(30, again)
    assert kept[0] is first[10]  # equal: the held object stays (its row text stays cached)
    assert kept[5] is again[5] and kept[-1] is again[-1]
    assert held.start == 30 and held.record_at(59) is again[-1]


def test_a_window_is_asked_for_once_until_it_arrives() -> None:
    held = RowWindow()
    assert held.want(500, HEIGHT) == 490
    assert held.want(505, HEIGHT) is None  # less than a screen from the one being read
    assert held.want(520, HEIGHT) == 510  # a screen away: another read
    held.read_done()
    assert held.want(512, HEIGHT) == 502
    held.read_done()
    assert held.want(3, HEIGHT) == 0


def test_missing_rows_are_those_at_the_views_ends_not_held() -> None:
    held = RowWindow()
    assert held.missing(0, HEIGHT, 100)
    assert not held.missing(0, HEIGHT, 0)  # no rows: nothing to fetch
    held.hold(0, [{"id": str(i)} for i in range(30)])
    assert not held.missing(15, HEIGHT, 100)
    assert held.missing(25, HEIGHT, 100)  # the bottom of the view is past the window
    assert not held.missing(25, HEIGHT, 30)  # ... but also past the rows


def test_another_source_drops_what_was_read_for_the_one_before() -> None:
    held = RowWindow()
    held.hold(0, [{"id": "1"}])
    held.version = 7
    generation = held.generation
    held.reset()
    assert not held.is_current(generation) and held.is_current(held.generation)
    assert held.record_at(0) is None and held.is_stale(7)


def test_the_lines_to_repaint_are_those_whose_record_changed() -> None:
    a, b, c = {"id": "a"}, {"id": "b"}, {"id": "c"}
    before = Shown(10, 100, [a, b, None])
    assert lines_to_repaint(before, Shown(10, 100, [a, b, None])) == []
    assert lines_to_repaint(before, Shown(10, 100, [a, {"id": "b"}, c])) == [1, 2]
    assert lines_to_repaint(before, Shown(10, 100, [a])) == [1, 2]  # rows gone
    assert lines_to_repaint(before, Shown(11, 100, [b, None, c])) is None  # the view moved
    assert lines_to_repaint(Shown(10, 0, []), Shown(10, 100, [a])) is None  # first rows


def test_shown_lists_the_records_on_the_views_lines() -> None:
    held = RowWindow()
    rows = [{"id": str(i)} for i in range(5)]
    held.hold(3, rows)
    shown = held.shown(6, HEIGHT, 12)
    assert (shown.top, shown.count) == (6, 12)
    assert shown.records == [rows[3], rows[4], None, None, None, None]
