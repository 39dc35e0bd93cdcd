"""Text that is not ours, made inert: it can neither drive a terminal nor reorder what it shows.

Server messages, record fields, file names and config values are attacker-controlled. Before
they reach a terminal (the app's widgets, the CLI's stdout and stderr) they pass through here:

- `clean`: for people. Escape sequences (CSI, OSC such as an OSC 52 clipboard write, DCS...),
  other C0/C1 controls, bidi overrides and lone surrogates are removed; each run of removed
  characters leaves one visible marker (`MARKER`), so a reader sees that something was there.
  Widgets then render the result with markup off (see `tui.widgets.safe_text`).
- `json_text`: for programs, lossless. Every C0, C1 and bidi control is a `\\uXXXX` escape, so
  a JSON reader gets the same string back and a terminal gets no control character.
- `csv_escaped`: for spreadsheets and terminals. Controls other than tab and newline become a
  visible escape such as `\\x1b` or `\\u202e` (lossy: the help of the CSV commands says so).
"""

from __future__ import annotations

import json
import re
from typing import Any

MARKER = "\N{REPLACEMENT CHARACTER}"

# Bidi controls that reorder or isolate a line (LRM, RLM, embeddings, overrides, isolates).
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = f"\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff"
_ESCAPE_SEQUENCE = r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|$)      # OSC, DCS, SOS, PM, APC up to their terminator
    | \x1b[@-Z\\-_]                         # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]                 # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x9c|$)  # 8-bit string controls
"""
_REMOVED = re.compile(rf"(?:{_ESCAPE_SEQUENCE} | [{_CONTROLS}])+", re.VERBOSE | re.DOTALL)
_JSON_ESCAPED = re.compile(f"[\x7f-\x9f{_BIDI}\ud800-\udfff]")
_CSV_ESCAPED = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")


def clean(value: Any, *, single_line: bool = True) -> str:
    """`value` as text fit to show: controls removed, each run marked; newlines and tabs become
    spaces on a single line (otherwise newlines stay and a tab is four spaces)."""
    text = "" if value is None else str(value)
    if single_line:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
        return _REMOVED.sub(MARKER, text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    return "\n".join(_REMOVED.sub(MARKER, line) for line in text.split("\n"))


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps(value)` keeping non-ASCII text readable, with every control escaped."""
    return json_escaped(json.dumps(value, ensure_ascii=False, default=str, **options))


def json_escaped(text: str) -> str:
    """JSON text with its C1 and bidi controls escaped as well (they can only sit in strings;
    `json.dumps` escapes the C0 ones)."""
    return _JSON_ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def csv_escaped(text: str) -> str:
    """`text` with controls other than tab and newline written as visible escapes."""
    return _CSV_ESCAPED.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
