"""Holding the sandbox's collection pages, so that a test sees a request in flight when it acts.

A test that cancels or presses keys "mid-load" must not bet on the load still running after a
sleep: on a loaded machine it may not have started, or may have finished. `pages_held` makes the
sandbox (in-process, in its own thread) stop before serving a page past the first `after`; the
client's request is then in flight until the test opens the gate.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tui.sandbox.server import SandboxServer

_LONGEST_HOLD = 120.0  # a forgotten gate never blocks the sandbox for good


class Gate:
    """`reached` is set once a page request is held; `open()` lets it (and later ones) go."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self._opened = threading.Event()

    def open(self) -> None:
        self._opened.set()

    def hold(self) -> None:
        self.reached.set()
        self._opened.wait(_LONGEST_HOLD)


@contextmanager
def pages_held(sandbox: SandboxServer, after: int = 0) -> Iterator[Gate]:
    """Hold every collection page the sandbox serves past its first `after` until `gate.open()`
    (opened at the latest when the block ends). The sandbox's event loop waits meanwhile: use a
    private sandbox (`sandbox_factory`)."""
    state = sandbox.state
    serve = state.page
    served = itertools.count()
    gate = Gate()

    def held_page(*args: Any, **kwargs: Any) -> Any:
        if next(served) >= after:
            gate.hold()
        return serve(*args, **kwargs)

    state.page = held_page  # type: ignore[method-assign]
    try:
        yield gate
    finally:
        gate.open()
        del state.page
