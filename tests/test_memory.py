"""Objects alive once the app has started are taken out of the garbage collector's scans."""

from __future__ import annotations

import gc
import weakref

import pytest

from tui.memory import FULL_EVERY, IDLE_SECONDS, IdleCollector, freeze_long_lived


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


def test_full_collections_wait_for_a_pause_in_the_input() -> None:
    now = [100.0]
    collector = IdleCollector(clock=lambda: now[0])
    collector.start()
    try:
        assert gc.get_threshold()[2] > 1_000  # Python no longer runs them itself
        while gc.get_count()[2] < FULL_EVERY:  # as many middle-generation passes as Python waits
            gc.collect(1)
        collector.note_input()
        now[0] += IDLE_SECONDS / 2
        assert not collector.tick()  # keys still coming
        now[0] += IDLE_SECONDS
        assert collector.tick()
        assert collector.full_collections == 1 and gc.get_count()[2] == 0
        assert not collector.tick()  # not due again yet
    finally:
        collector.stop()
    assert gc.get_threshold()[2] == FULL_EVERY
