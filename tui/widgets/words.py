"""Words on screen: counted (`1 row`, `2 rows`), shortened to a width (`Summer Sp…`), and how long
ago (`5 min ago`)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the word in its number (`plural` defaults to the singular with an s)."""
    word = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {word}"


def shortened(text: str, cells: int) -> str:
    """`text` cut to `cells` with an ellipsis (unchanged when it fits)."""
    return text if cell_len(text) <= cells else set_cell_size(text, max(cells - 1, 0)) + "…"


def ago(moment: float | None, now: float) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 days ago`."""
    if moment is None:
        return "never"
    seconds = max(now - moment, 0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"
