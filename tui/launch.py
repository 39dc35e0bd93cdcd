"""Start the Textual app: on the user's profile, or on a private sandbox with `--demo`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType

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


@contextmanager
def ended_by_signals(exit_app: Callable[[int], object]) -> Iterator[None]:
    """SIGTERM and SIGHUP end the app as its quit key does (`exit_app(128 + signal)` on the
    app's event loop); before the loop runs, after it, or at a second signal they raise
    SystemExit. Either way the blocks around unwind: the demo's sandbox stops and its temporary
    folder goes (the default action would have ended the process on the spot)."""
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or len(received) > 1:
            raise SystemExit(128 + signum)
        loop.call_soon_threadsafe(exit_app, 128 + signum)

    previous = {number: signal.signal(number, handle) for number in EXIT_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def launch_app(args: argparse.Namespace) -> int:
    """Run the app. The demo's sandbox binds its port at once (the settings name it) and starts
    after the app's first frame: the first session's start runs it before creating the clients."""
    from tui.app import PromoTuiApp

    with ExitStack() as stack:
        app: PromoTuiApp | None = None

        def end(code: int) -> None:
            if app is not None:
                app.exit(return_code=code)

        stack.enter_context(ended_by_signals(end))
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
        app.run()
        if app.crash_line:
            say(app.crash_line)
        return app.return_code or 0
