"""Start the Textual app: on the user's profile, or on a private sandbox with `--demo`."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from tui.config import Settings, load_settings
from tui.redact import Secret


def demo_settings(easypromos_url: str, ezepo_endpoint: str) -> Settings:
    """Settings for the built-in sandbox: demo credentials, nothing read from or written to disk."""
    from tui.sandbox import credentials

    return Settings(
        profile="demo",
        easypromos_url=easypromos_url,
        easypromos_token=Secret(credentials.SCOPED_TOKEN),
        ezepo_endpoint=ezepo_endpoint,
        ezepo_key=Secret(credentials.EZEPO_ADMIN_KEY),
        ezepo_poll_seconds=2.0,
        cache_enabled=False,
    )


def launch_app(args: argparse.Namespace) -> int:
    from tui.app import PromoTuiApp

    with ExitStack() as stack:
        if args.demo:
            from tui.sandbox.server import SandboxServer

            sandbox = stack.enter_context(SandboxServer(port=0))
            settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint)
        else:
            settings = load_settings(args.config, args.profile, allow_new_profile=True)
        for warning in settings.warnings:
            print(f"promo-tui: warning: {warning}", file=sys.stderr)
        PromoTuiApp(settings, demo=args.demo).run()
    return 0
