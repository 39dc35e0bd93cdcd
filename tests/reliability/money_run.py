"""Coin transactions under random faults, then the books: `money_run.py [COUNT] [SEED]`."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.reliability._money import fast_dir, run_money
from tui.sandbox.server import SandboxServer


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.monotonic()
    with (
        SandboxServer(rate_limit=None) as sandbox,
        tempfile.TemporaryDirectory(dir=fast_dir()) as tmp,
    ):
        report = asyncio.run(
            run_money(sandbox, Path(tmp) / "journal.jsonl", count=count, seed=seed)
        )
    print(report.summary())
    print(
        f"{'balanced' if report.balanced else 'NOT BALANCED'} in {time.monotonic() - start:.0f} s"
    )
    return 0 if report.balanced else 1


if __name__ == "__main__":
    sys.exit(main())
