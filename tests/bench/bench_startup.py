"""Start-up: time to first paint of `promo-tui --demo` / a bare Textual app with one Static.

Both run on a real pty (120 x 40), alternately, several times, from cached bytecode (a warm-up
run of each writes it); the first paint is the moment the first frame's bytes (a cursor move
followed by screen content) arrive, which is what a user sees. Prints the median of each and the
median of the per-pair ratios. Target: ratio <= 1.3.
"""

from __future__ import annotations

import os
import re
import statistics
from pathlib import Path

from _common import BENCH_DIR, PYTHON, PtyProcess, isolate_dirs, parse_args, report

FRAME = re.compile(rb"\x1b\[\?1049h.*\x1b\[\d+;\d+H", re.S)


def first_paint(argv: list[str]) -> float:
    """Seconds from spawning `argv` on a pty to its first frame."""
    proc = PtyProcess(argv, env=dict(os.environ))
    try:
        painted = proc.wait_for(lambda out: FRAME.search(out) is not None, timeout=60)
        if painted is None:
            raise RuntimeError(f"no frame from {argv}: {proc.text()[-500:]!r}")
        return painted - proc.started
    finally:
        proc.close()


def main() -> None:
    args = parse_args(__doc__)
    root = isolate_dirs()
    # Both start from cached bytecode, as an installed app does (pip compiles it): with
    # PYTHONDONTWRITEBYTECODE set, the warm-up would cache none and every run would compile the
    # project's modules again. The cache is private to this run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(root / "bytecode")
    script = Path(PYTHON).with_name("promo-tui")
    ours = [str(script), "--demo"] if script.exists() else [PYTHON, "-m", "tui", "--demo"]
    bare = [PYTHON, str(BENCH_DIR / "_bare_app.py")]
    repeats = 1 if args.short else 7
    if not args.short:
        first_paint(bare)  # warm the file cache and the bytecode of both
        first_paint(ours)
    pairs = []
    for _ in range(repeats):
        pairs.append((first_paint(ours), first_paint(bare)))
        print(f"promo-tui --demo {pairs[-1][0]:6.3f} s   bare app {pairs[-1][1]:6.3f} s")
    ratio = statistics.median(o / b for o, b in pairs)
    ours_median = statistics.median(o for o, _ in pairs)
    bare_median = statistics.median(b for _, b in pairs)
    report(
        "start-up",
        f"first paint {ours_median:.2f} s vs bare {bare_median:.2f} s, median ratio {ratio:.2f} "
        f"({repeats} pairs)",
        "<= 1.3",
        ratio <= 1.3,
        args.short,
    )


if __name__ == "__main__":
    main()
