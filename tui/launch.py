"""Start the Textual app: on the user's profile, or on a private sandbox with `--demo`."""

from __future__ import annotations

import argparse
import importlib
import socket
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config import Settings, load_settings
from tui.redact import Secret

if TYPE_CHECKING:
    from tui.sandbox.server import SandboxServer

DEMO_HOST = "127.0.0.1"
SHARED_PACKAGES = ("sniffio", "anyio", "anyio.to_thread", "h11")


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


class DemoSandbox:
    """The demo's sandbox, started late so that the app paints its first frame sooner.

    The listening socket is bound at once (its port is in the demo's settings); the sandbox
    (uvicorn, starlette: ~0.2 s of imports and start-up) is imported and started in a thread by
    `start_in_background`, which the app calls after its first frame. Connections made before it
    serves wait in the socket's listen queue.
    """

    def __init__(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((DEMO_HOST, 0))
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.base_url = f"http://{DEMO_HOST}:{sock.getsockname()[1]}"
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def easypromos_url(self) -> str:
        return f"{self.base_url}/v2"

    @property
    def ezepo_endpoint(self) -> str:
        return self.base_url

    def start_in_background(self) -> None:
        if self._thread is None:
            # Packages that both the sandbox and the app's first request import, imported here
            # in the app's thread: two threads never import the same (circular) package at once.
            for name in SHARED_PACKAGES:
                importlib.import_module(name)
            self._thread = threading.Thread(target=self._start, name="sandbox-start", daemon=True)
            self._thread.start()

    def _start(self) -> None:
        try:
            from tui.sandbox.server import SandboxServer

            self._server = SandboxServer(port=0, sock=self._socket).start()
        except BaseException as exc:  # reported by stop(); clients are refused meanwhile
            self._socket.close()
            self._error = exc

    def stop(self) -> None:
        """Stop serving (waits for a start under way); raises the start's error, if any."""
        if self._thread is not None:
            self._thread.join()
        if self._server is not None:
            self._server.stop()
        self._socket.close()
        if self._error is not None:
            raise self._error


def launch_app(args: argparse.Namespace) -> int:
    from tui.app import PromoTuiApp

    with ExitStack() as stack:
        after_first_frame = None
        if args.demo:
            sandbox = DemoSandbox()
            stack.callback(sandbox.stop)
            after_first_frame = sandbox.start_in_background
            cache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="promo-tui-demo-")))
            settings = demo_settings(sandbox.easypromos_url, sandbox.ezepo_endpoint, cache)
        else:
            settings = load_settings(args.config, args.profile, allow_new_profile=True)
        for warning in settings.warnings:
            print(f"promo-tui: warning: {warning}", file=sys.stderr)
        PromoTuiApp(settings, demo=args.demo, after_first_frame=after_first_frame).run()
    return 0
