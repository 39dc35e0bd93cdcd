"""Random server messages and record fields through the app's renderers and the CLI's writers.

Any code point (lone surrogates included) mixed with markup brackets and escape sequences: no
renderer or writer raises, none lets a raw control through, the JSONL writer is lossless.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tui import csv_cells
from tui.api.errors import ApiError
from tui.api.models import EzepoList
from tui.commands import _csv
from tui.commands._common import print_table, say
from tui.commands._output import record_line
from tui.csv_cells import neutralise
from tui.inert import MARKER, clean, csv_escaped, json_text
from tui.widgets.account_pane import account_summary
from tui.widgets.detail_pane import participation_line, transaction_line
from tui.widgets.ezepo.base import describe_error
from tui.widgets.ezepo.lists import list_row
from tui.widgets.promotions_tree import promotion_label
from tui.widgets.record_view import record_table
from tui.widgets.safe_text import safe_content, safe_text
from tui.widgets.virtual_table import format_cell

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # what a console writes for styles
HOSTILE_PIECES = [
    "[", "]", "[/b]", "[b]", "[link='https://evil.example']", "[@click=app.quit]", "\\[",
    "\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\x1b]8;;https://evil.example\x1b\\", "\x9b31m",
    "\x9d52;c;eA==\x9c", "\u202e", "\u2067", "\x07", "\r\n", "\t", "\ud800", "=cmd", "é", "漢",
]  # fmt: skip
ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, surrogates too
TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(ANY_CHAR, max_size=8))).map(
    "".join
)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), TEXT)
RECORD = st.dictionaries(
    TEXT,
    st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner)),
    max_size=5,
).map(lambda record: json.loads(json.dumps(record)))
"""Records as an API body parses to: a high and a low surrogate side by side are the one
character they encode in JSON (as two code points, no JSON text could carry them back)."""
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WITH_FIXTURE = settings(SETTINGS, suppress_health_check=[HealthCheck.function_scoped_fixture])


def raw_controls(text: str, allowed: str = "\n") -> list[str]:
    return [c for c in CONTROL.findall(SGR.sub("", text)) if c not in allowed]


def painted(renderable: Any) -> str:
    """What a terminal would receive for a renderable."""
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=60)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


@SETTINGS
@given(TEXT)
def test_clean_leaves_no_control_and_marks_what_it_removed(text: str) -> None:
    cleaned = clean(text)
    assert not raw_controls(cleaned, allowed="")
    assert clean(cleaned) == cleaned
    if CONTROL.search(text.translate({ord(c): None for c in "\n\r\t"})):
        assert MARKER in cleaned  # something was removed: the reader sees where
    assert not raw_controls(clean(text, single_line=False))


@SETTINGS
@given(TEXT)
def test_widget_builders_never_parse_markup_nor_paint_controls(text: str) -> None:
    assert safe_content(text, "$error").plain == clean(text)
    assert safe_text(text, "bold").plain == clean(text)
    assert not raw_controls(painted(safe_text(text, "bold")))
    assert not raw_controls(format_cell(text, 12))
    assert not raw_controls(describe_error(ApiError(0, text, context="Ezepo refused GET /api/: ")))


@SETTINGS
@given(RECORD, TEXT, st.booleans())
def test_the_apps_renderers_take_any_record(
    record: dict[str, Any], text: str, locked: bool
) -> None:
    promotion = {**record, "id": text, "title": text, "status": text, "internal_ref": text}
    assert not raw_controls(promotion_label(promotion, locked, 30).plain)
    brand = {"id": text, "name": text}
    assert not raw_controls(account_summary([brand], [promotion], {text}).plain)
    assert not raw_controls(record_table(record, width=40).plain)
    transaction = {"transaction": {"amount": text, "balance": text, "reason": text, **record}}
    assert not raw_controls(transaction_line(transaction).plain)
    participation = {**record, "stage_id": text, "points": text, "created": text}
    assert not raw_controls(participation_line(participation).plain)
    ezepo_list = EzepoList.from_raw({"listid": text, "name": text, "notes": text, "format": text})
    for admin in (False, True):
        assert not [cell for cell in list_row(ezepo_list, admin=admin) if raw_controls(cell.plain)]


@SETTINGS
@given(RECORD)
def test_jsonl_is_lossless_and_carries_no_raw_control(record: dict[str, Any]) -> None:
    line = record_line(record)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert not raw_controls(line, allowed="\n")
    assert json.loads(line) == record
    line.encode("utf-8")  # lone surrogates are escaped, never written raw


@SETTINGS
@given(st.lists(RECORD, min_size=1, max_size=4))
def test_csv_cells_show_controls_as_escapes(records: list[dict[str, Any]]) -> None:
    out = io.StringIO()
    columns = _csv.columns_of(records)
    assert _csv.write_rows(out, columns, records) == len(records)
    written = out.getvalue()
    assert not raw_controls(written, allowed="\n\t")
    written.encode("utf-8")
    rows = list(csv.reader(io.StringIO(written)))
    assert len(rows) == len(records) + 1
    for cell in (cell for row in rows for cell in row):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) or csv_cells._NUMBER.fullmatch(cell)


@SETTINGS
@given(TEXT)
def test_the_apps_csv_cells_show_controls_as_escapes(text: str) -> None:
    assert not raw_controls(neutralise(text), allowed="\n\t")
    assert csv_escaped(text).count("\\") >= len(raw_controls(text, allowed="\n\t"))


@WITH_FIXTURE  # capsys: read and emptied in each example
@given(text=TEXT, rows=st.lists(st.lists(TEXT, min_size=2, max_size=2), max_size=3))
def test_stderr_and_tables_carry_no_raw_control(
    text: str, rows: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    say(f"promo-tui: {text}")
    print_table(("a", "b"), rows)
    captured = capsys.readouterr()
    assert not raw_controls(captured.err) and not raw_controls(captured.out)
    assert captured.err.count("\n") == 1


@SETTINGS
@given(RECORD)
def test_json_text_keeps_any_value(record: dict[str, Any]) -> None:
    text = json_text(record, indent=2)
    assert json.loads(text) == record
    assert not raw_controls(text)
