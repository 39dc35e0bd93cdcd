"""Print the end-to-end fault matrix (fault x mode x surface); exit 1 if any cell fails.

.venv/bin/python tests/reliability/fault_matrix.py [--export-only | --app-only] [-j N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.reliability._matrix import FAULTS, both_matrices, render


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-only", action="store_true")
    parser.add_argument("--app-only", action="store_true")
    parser.add_argument("-j", type=int, default=6, help="exports run at once (default 6)")
    args = parser.parse_args()
    start = time.monotonic()
    export, app = both_matrices(
        FAULTS, export=not args.app_only, app=not args.export_only, parallel=args.j
    )
    print(render(FAULTS, export, app))
    cells = [*export.values(), *app.values()]
    failed = sum(not cell.ok for cell in cells)
    print(f"\n{len(cells) - failed}/{len(cells)} cells pass in {time.monotonic() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
