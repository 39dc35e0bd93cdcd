"""Counted words: `1 row`, `2 rows`, `1,200 entries`."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the word in its number (`plural` defaults to the singular with an s)."""
    word = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {word}"
