"""Objects alive once the app has started are taken out of the garbage collector's scans."""

from __future__ import annotations

import gc
import weakref

import pytest

from tui.memory import freeze_long_lived


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.mark.parametrize("collect", [True, False])
def test_live_objects_are_frozen_and_garbage_collected_first(collect: bool) -> None:
    gc.unfreeze()
    kept, dropped = Node(), Node()
    gone = weakref.ref(dropped)
    del dropped
    try:
        freeze_long_lived(collect=collect)
        assert gc.get_freeze_count() > 0
        assert kept not in gc.get_objects()  # frozen: no collection scans it
        assert (gone() is None) is collect  # without the pass, the garbage is frozen too
    finally:
        gc.unfreeze()
