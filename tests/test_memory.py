"""Objects alive once the app has started are taken out of the garbage collector's scans."""

from __future__ import annotations

import gc

import pytest

from tui import memory


def test_freeze_long_lived_freezes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    monkeypatch.setattr(memory, "_frozen", False)
    kept = [object() for _ in range(10)]
    memory.freeze_long_lived()
    frozen = gc.get_freeze_count()
    assert frozen > len(kept)
    memory.freeze_long_lived()  # a second account load does not freeze again
    assert gc.get_freeze_count() <= frozen  # frozen objects may still be freed
