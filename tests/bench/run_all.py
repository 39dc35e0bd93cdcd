"""Run every benchmark and print a table of their result lines (Markdown).

`.venv/bin/python tests/bench/run_all.py [--short] [--jobs N]`. With `--short` (CI) the scripts
run small, three at a time, and only have to run and print; the exit status is 1 if one fails.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from _common import BENCH_DIR, PYTHON, REPO, RESULT_RE, parse_args

BENCHMARKS = (
    "export",
    "budget",
    "lanes",
    "startup",
    "responsiveness",
    "memory",
    "zip",
    "cache",
    "insights",
    "store",
)


@dataclass(frozen=True)
class Outcome:
    name: str
    seconds: float
    output: str
    ok: bool


def run(name: str, short: bool) -> Outcome:
    argv = [PYTHON, str(BENCH_DIR / f"bench_{name}.py"), *(["--short"] if short else [])]
    start = time.monotonic()
    try:
        done = subprocess.run(
            argv, cwd=REPO, capture_output=True, text=True, timeout=180 if short else 7200
        )
    except subprocess.TimeoutExpired as timeout:
        return Outcome(
            name, time.monotonic() - start, f"timed out after {timeout.timeout} s", False
        )
    output = done.stdout + (done.stderr if done.returncode else "")
    ok = done.returncode == 0 and bool(RESULT_RE.match(done.stdout.strip().splitlines()[-1:][0]))
    return Outcome(name, time.monotonic() - start, output, ok)


def row(outcome: Outcome) -> str:
    last = outcome.output.strip().splitlines()[-1:] or [""]
    found = RESULT_RE.match(last[0]) if outcome.ok else None
    if found is None:
        return f"| {outcome.name} | FAILED: {last[0][:120]} | | ERROR | {outcome.seconds:.0f} |"
    figure, target, verdict = found["figure"], found["target"], found["verdict"]
    return f"| {found['name']} | {figure} | {target} | {verdict} | {outcome.seconds:.0f} |"


def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--jobs", type=int, help="scripts at once (default 3 short, 1 full)")

    args = parse_args(__doc__, options)
    jobs = args.jobs or (3 if args.short else 1)
    start = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        outcomes = list(pool.map(lambda name: run(name, args.short), BENCHMARKS))
    for outcome in outcomes:
        print(f"## {outcome.name} ({outcome.seconds:.0f} s)\n{outcome.output.rstrip()}\n")
    print("| benchmark | figure | target | verdict | seconds |\n|---|---|---|---|---|")
    for outcome in outcomes:
        print(row(outcome))
    print(f"\n{len(outcomes)} benchmarks in {time.monotonic() - start:.0f} s")
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
