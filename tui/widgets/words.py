"""Words on screen: counted (`1 row`, `2 rows`) and shortened to a width (`Summer Sp…`)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the word in its number (`plural` defaults to the singular with an s)."""
    word = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {word}"


def shortened(text: str, cells: int) -> str:
    """`text` cut to `cells` with an ellipsis (unchanged when it fits)."""
    return text if cell_len(text) <= cells else set_cell_size(text, max(cells - 1, 0)) + "…"
