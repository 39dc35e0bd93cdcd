"""Start the Textual app: on the user's profile, or on a private sandbox with `--demo`."""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tui.config import Settings, load_settings
from tui.memory import freeze_long_lived
from tui.redact import Secret


def demo_settings(easypromos_url: str, ezepo_endpoint: str, cache_directory: Path) -> Settings:
    """Settings for the built-in sandbox: demo credentials, the user's config left untouched.

    The cache lives in a temporary folder (deleted on exit) rather than in memory, so that a
    100,000-row demo collection does not sit in RAM.
    """
    from tui.sandbox import credentials

    return Settings(
        profile="demo",
        easypromos_url=easypromos_url,
        easypromos_token=Secret(credentials.SCOPED_TOKEN),
        ezepo_endpoint=ezepo_endpoint,
        ezepo_key=Secret(credentials.EZEPO_ADMIN_KEY),
        ezepo_poll_seconds=2.0,
        cache_directory=cache_directory,
    )


def launch_app(args: argparse.Namespace) -> int:
    """Run the app. The demo's sandbox binds its port at once (the settings name it) and starts
    after the app's first frame: the first session's start runs it before creating the clients."""
    from tui.app import PromoTuiApp

    with ExitStack() as stack:
        prepare = None
        if args.demo:
            from tui.sandbox.server import SandboxServer

            sandbox = SandboxServer(port=0)
            sandbox.bind()
            stack.callback(sandbox.stop)
            prepare = sandbox.start
            cache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="promo-tui-demo-")))
            settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, cache)
        else:
            settings = load_settings(args.config, args.profile, allow_new_profile=True)
        for warning in settings.warnings:
            print(f"promo-tui: warning: {warning}", file=sys.stderr)
        freeze_long_lived(collect=False)  # modules and classes live as long as the process
        PromoTuiApp(settings, demo=args.demo, prepare=prepare).run()
    return 0
