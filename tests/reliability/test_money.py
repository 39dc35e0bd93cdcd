"""1,000 coin transactions under random faults, some left to finish after their dialog closed,
some cut off by a kill and reconciled at the restart: the books balance (see `_money`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.reliability._money import POST_KINDS, fast_dir, run_money
from tui.sandbox.server import SandboxServer


async def test_a_thousand_transactions_under_faults_balance(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sandbox = sandbox_factory(rate_limit=None)
    with tempfile.TemporaryDirectory(dir=fast_dir()) as tmp:
        report = await run_money(sandbox, Path(tmp) / "journal.jsonl", count=1000, seed=8)
    assert report.balanced, report.summary()
    assert set(report.faults) == set(POST_KINDS), report.summary()
    assert report.unknown_raised > 0 and report.resent > 0, "the run missed a path"
    assert report.dialog_closed > 50 and report.killed > 50, "the run missed an event"
    assert report.applied > 800, report.summary()
