"""Label-value rows: a long value wraps beside its label, at the width given."""

from __future__ import annotations

from tui.widgets.label_rows import wrapped_rows


def lines(rows: list[tuple[str | None, str, str]], width: int) -> list[str]:
    return [line.plain for line in wrapped_rows(rows, width)]


def test_values_start_past_the_longest_label_and_wrap_there() -> None:
    rows = [("User", "ana (#12)", ""), ("Concept", "one two three four five six", "bold")]
    assert lines(rows, 20) == [
        "User    ana (#12)",
        "Concept one two",
        "        three four",
        "        five six",
    ]


def test_a_row_without_a_label_spans_the_width() -> None:
    rows = [(None, "Confirm", "bold"), ("Id", "7", ""), (None, "a note that wraps here", "")]
    assert lines(rows, 12) == ["Confirm", "Id 7", "a note that", "wraps here"]


def test_wide_labels_are_measured_in_cells_and_an_empty_value_keeps_its_label() -> None:
    rows = [("名前", "", ""), ("Id", "123456", "")]
    assert lines(rows, 9) == ["名前 ", "Id   1234", "     56"]


def test_at_width_0_nothing_is_wrapped() -> None:
    """(Not laid out yet: read by the tests, never drawn.)"""
    assert lines([(None, "Confirm", ""), ("Id", "7 8", "")], 0) == ["Confirm", "Id 7 8"]
