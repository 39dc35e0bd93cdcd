"""Start-up: time to the complete first frame of promo-tui / a bare Textual app (a header, a
Static and a footer), in two modes: `promo-tui --demo`, and `promo-tui` on a configured account
(a config file naming a sandbox that runs in its own process, started before the clock).

Each app runs on a real pty (120 x 40) from cached bytecode (a warm-up run of each writes it),
ours and the bare app alternately. The frame is complete when the footer's text is on the
screen: the output, escape sequences stripped, shows the command palette's key (`^p palette`,
the footer's last item in both apps) and, for promo-tui, the tree's first key (`f Status
filter`, the footer's first). Textual fills a footer once the screen's bindings are known, so
an earlier frame can have none of it, or only the screen's and the app's keys. Prints every
pair and, per mode, the median and range of the pair ratios. Target: median <= 1.3 in both.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from _common import (
    APP_FOOTER,
    BARE_FOOTER,
    BENCH_DIR,
    PYTHON,
    PtyProcess,
    frame_complete,
    isolate_dirs,
    parse_args,
    report,
    sandbox_process,
)

TARGET = 1.3


def first_frame(argv: list[str], footer: tuple[bytes, ...] = APP_FOOTER) -> float:
    """Seconds from spawning `argv` on a pty to the output that completes its first frame."""
    proc = PtyProcess(argv, env=dict(os.environ))
    try:
        painted = proc.wait_for(lambda out: frame_complete(out, footer), timeout=60)
        if painted is None:
            raise RuntimeError(f"no complete frame from {argv}: {proc.text()[-500:]!r}")
        return painted - proc.started
    finally:
        proc.close()


def write_config(root: Path, easypromos_url: str, ezepo_endpoint: str) -> None:
    """A configured account: the config file the setup screen would have saved."""
    from tui.sandbox import credentials as cr

    path = root / "config" / "promo-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'default_profile = "bench"\n\n[profiles.bench]\n'
        f'easypromos_token = "{cr.DEMO_TOKEN}"\neasypromos_api_url = "{easypromos_url}"\n'
        f'ezepo_endpoint = "{ezepo_endpoint}"\nezepo_key = "{cr.EZEPO_ADMIN_KEY}"\n'
    )
    path.chmod(0o600)


def pairs_of(ours: list[str], bare: list[str], repeats: int, label: str) -> list[float]:
    """`repeats` runs of each, alternately; the ratios ours / bare."""
    ratios = []
    for _ in range(repeats):
        ours_s, bare_s = first_frame(ours), first_frame(bare, BARE_FOOTER)
        ratios.append(ours_s / bare_s)
        print(f"{label:18} {ours_s:6.3f} s   bare app {bare_s:6.3f} s   ratio {ratios[-1]:.2f}")
    return ratios


def summary(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def main() -> None:
    args = parse_args(__doc__)
    root = isolate_dirs()
    # Both start from cached bytecode, as an installed app does (pip compiles it): with
    # PYTHONDONTWRITEBYTECODE set, the warm-up would cache none and every run would compile the
    # project's modules again. The cache is private to this run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(root / "bytecode")
    script = Path(PYTHON).with_name("promo-tui")
    app = [str(script)] if script.exists() else [PYTHON, "-m", "tui"]
    bare = [PYTHON, str(BENCH_DIR / "_bare_app.py")]
    repeats = 1 if args.short else 7
    first_frame(bare, BARE_FOOTER)  # warm the file cache and the bytecode of both, --short too:
    first_frame([*app, "--demo"])  # cold, a fresh venv's first pair said 3.8-4.3 (compiling)
    demo = pairs_of([*app, "--demo"], bare, repeats, "promo-tui --demo")
    with sandbox_process() as sandbox:
        write_config(root, sandbox.easypromos_url, sandbox.ezepo_endpoint)
        configured = pairs_of(app, bare, repeats, "promo-tui (account)")
    worst = max(statistics.median(demo), statistics.median(configured))
    report(
        "start-up",
        f"complete first frame / bare app's, median (range) of {repeats} pairs: "
        f"--demo {summary(demo)}, configured account {summary(configured)}",
        f"<= {TARGET}",
        worst <= TARGET,
        args.short,
    )


if __name__ == "__main__":
    main()
