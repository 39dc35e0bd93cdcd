"""The record grid's long values: broken at their separators, never lost."""

from __future__ import annotations

import pytest

from tui.widgets.record_view import record_table


@pytest.mark.parametrize(
    ("value", "lines"),
    [
        ("ana.kowalski238@mail.example.net", ["ana.kowalski238@", "mail.example.net"]),
        (
            "https://example.com/path/to/some-long-file-name.html",
            ["https://example.com/", "path/to/some-long-file-", "name.html"],
        ),
        (
            "see ana.kowalski238@mail.example.net now",
            ["see ana.kowalski238@", "mail.example.net now"],
        ),
        ("0123456789abcdef0123456789abcdef", ["0123456789abcdef0123456", "789abcdef"]),
    ],
)
def test_a_long_value_breaks_at_its_separators(value: str, lines: list[str]) -> None:
    """Beside a field, 23 cells for the value: a word wider than that breaks after an `@` or a
    `/`, else at another separator, else (no separator) at the width: all of it shown."""
    table = record_table({"id": 1, "value": value}, width=29).plain.splitlines()
    assert [line[6:] for line in table[1:]] == lines
    assert table[0] == "id    1"
