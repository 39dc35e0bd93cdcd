"""Untrusted text made safe to show: no markup, no terminal control sequences.

Nicknames, titles and every other value from the API are attacker-controlled. They are rendered as
`rich.text.Text` (never parsed as markup) after removing escape sequences (CSI, OSC such as OSC 52
clipboard writes, DCS...), other control characters and bidirectional overrides.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|$)   # OSC, DCS, SOS, PM, APC up to their terminator
    | \x1b[@-Z\\-_]                      # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]              # 8-bit CSI
    | [\x90\x9d\x9e\x9f].*?(?:\x07|\x9c|$)  # 8-bit string controls
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: Any, *, single_line: bool = True) -> str:
    """`value` as a string without control characters; newlines and tabs become spaces if asked."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    if single_line:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    else:
        text = text.replace("\r", "").replace("\t", "    ")
    return text


def safe_text(value: Any, style: str = "", *, single_line: bool = True) -> Text:
    """A `Text` of `value`, cleaned, never interpreted as markup."""
    return Text(clean(value, single_line=single_line), style=style)
