"""Start the Textual app: on the user's profile, or on a private sandbox with `--demo`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from tui.commands._common import say
from tui.config import Settings, load_settings
from tui.memory import freeze_long_lived
from tui.redact import Secret


def demo_settings(easypromos_url: str, ezepo_endpoint: str, folder: Path) -> Settings:
    """Settings for the built-in sandbox: demo credentials, the user's config and coin journal
    left untouched.

    The cache and the journal live in a temporary folder (deleted on exit); the cache is on disk
    rather than in memory, so that a 100,000-row demo collection does not sit in RAM.
    """
    from tui.sandbox import credentials

    return Settings(
        profile="demo",
        easypromos_url=easypromos_url,
        easypromos_token=Secret(credentials.SCOPED_TOKEN),
        ezepo_endpoint=ezepo_endpoint,
        ezepo_key=Secret(credentials.EZEPO_ADMIN_KEY),
        ezepo_poll_seconds=2.0,
        cache_directory=folder,
        journal_path=folder / "coin-journal.jsonl",
    )


EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the terminal was closed


class EndedBySignals:
    """SIGTERM and SIGHUP end the app as its quit key does, so that the blocks around it unwind
    (the demo's sandbox stops, its temporary folder goes); their default action would end the
    process on the spot.

    - while the app's event loop runs: `exit_app(128 + signal)` on that loop;
    - before it runs: SystemExit, raised where the process is;
    - once it ran (`ran` set), or at a further signal: nothing, the cleanup is under way (a
      closed terminal may send SIGHUP twice).

    A closed terminal also sends SIGCONT, on which Textual's driver restarts its output in the
    middle of the shutdown (its writer thread and the main thread then waited for each other
    forever): after SIGHUP, SIGCONT gets its default action.
    """

    def __init__(self, exit_app: Callable[[int], object]) -> None:
        self.exit_app = exit_app
        self.ran = False
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> EndedBySignals:
        self._previous = {number: signal.signal(number, self._handle) for number in EXIT_SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:  # the kernel sends SIGCONT with it: nothing to resume
            signal.signal(signal.SIGCONT, signal.SIG_DFL)
        if self.received is not None or self.ran:
            return
        self.received = signum
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(self.exit_app, 128 + signum)


def launch_app(args: argparse.Namespace) -> int:
    """Run the app. The demo's sandbox binds its port at once (the settings name it) and starts
    after the app's first frame: the first session's start runs it before creating the clients."""
    from tui.app import PromoTuiApp

    with ExitStack() as stack:
        app: PromoTuiApp | None = None

        def end(code: int) -> None:
            if app is not None:
                app.exit(return_code=code)

        signals = stack.enter_context(EndedBySignals(end))
        prepare = None
        if args.demo:
            from tui.sandbox.server import SandboxServer

            sandbox = SandboxServer(port=0)
            sandbox.bind()
            stack.callback(sandbox.stop)
            prepare = sandbox.start
            temporary = tempfile.TemporaryDirectory(prefix="promo-tui-demo-")
            folder = Path(stack.enter_context(temporary))
            settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, folder)
        else:
            settings = load_settings(args.config, args.profile, allow_new_profile=True)
        for warning in settings.warnings:
            say(f"promo-tui: warning: {warning}")
        freeze_long_lived(collect=False)  # modules and classes live as long as the process
        app = PromoTuiApp(settings, demo=args.demo, prepare=prepare)
        try:
            app.run()
        finally:
            signals.ran = True
        if app.crash_line:
            say(app.crash_line)
        return app.return_code or 0
