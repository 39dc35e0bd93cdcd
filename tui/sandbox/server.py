"""SandboxServer: both APIs served by uvicorn, in a daemon thread (or blocking, for the CLI).

Creating a server and binding its port is cheap: uvicorn, starlette and the data (~0.3 s of
imports) are loaded when it starts.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

    from tui.sandbox.faults import FaultRule
    from tui.sandbox.state import SandboxState

FaultsOption: TypeAlias = "str | list[FaultRule] | list[dict[str, Any]] | None"
_START_TIMEOUT = 10.0


class _DropDeliberateBreaks(logging.Filter):
    """Hide uvicorn's complaint about responses that faults cut on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def _fault_rules(faults: FaultsOption) -> tuple[list[FaultRule], int]:
    if faults is None:
        return [], 0
    from tui.sandbox.faults import FaultRule, parse_spec

    if isinstance(faults, str):
        rules, seed = parse_spec(faults)
        return rules, seed or 0
    return [r if isinstance(r, FaultRule) else FaultRule.from_dict(r) for r in faults], 0


class SandboxServer:
    """The sandbox on `host:port` (port 0 = a free port); a context manager, sync or async."""

    def __init__(
        self,
        seed: int = 1,
        minute_seconds: float = 60.0,
        faults: FaultsOption = None,
        job_seconds: float = 2.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limit: int | None = 200,
        status_word: str = "complete",
        list_size: int | None = None,
        log_requests: bool = False,
    ) -> None:
        rules, faults_seed = _fault_rules(faults)
        self.host = host
        self._seed = seed
        self._state_options: dict[str, Any] = {
            "minute_seconds": minute_seconds,
            "rate_limit": rate_limit,
            "job_seconds": job_seconds,
            "status_word": status_word,
            "list_size": list_size,
            "faults": rules,
            "faults_seed": faults_seed,
        }
        self._requested_port = port
        self._log_requests = log_requests
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        logging.getLogger("uvicorn.error").addFilter(_DropDeliberateBreaks())

    @functools.cached_property
    def state(self) -> SandboxState:
        """The simulated accounts and their data (built on first use)."""
        from tui.sandbox.state import SandboxState

        return SandboxState(self._seed, **self._state_options)

    @functools.cached_property
    def app(self) -> ASGIApp:
        """The ASGI app serving `state` (built on first use)."""
        from tui.sandbox.app import build_app

        return build_app(self.state, {"seed": self._seed})

    # ----- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the sandbox is not started")
        return int(self._socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def easypromos_url(self) -> str:
        return f"{self.base_url}/v2"

    @property
    def ezepo_endpoint(self) -> str:
        return self.base_url

    # ----- lifecycle ---------------------------------------------------------------------------
    def bind(self) -> int:
        """Reserve the listening socket now (e.g. to print the URLs first); returns the port."""
        if self._socket is None:
            self._socket = self._open_socket()
        return self.port

    def _open_socket(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio: TCP_NODELAY
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        sock.setblocking(False)
        return sock

    def _uvicorn(self) -> uvicorn.Server:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            log_config=uvicorn.config.LOGGING_CONFIG if self._log_requests else None,
            log_level="info" if self._log_requests else "warning",
            access_log=self._log_requests,
            lifespan="off",
            date_header=False,  # the app sends an exact Date on every answer
            server_header=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        return uvicorn.Server(config)

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns when the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already started")
        self.bind()
        self._server = self._uvicorn()
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="sandbox",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread (open connections get one second)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def serve_forever(self) -> None:
        """Serve in this thread until Ctrl-C (uvicorn handles the signals)."""
        self.bind()
        self._server = self._uvicorn()
        try:
            self._server.run(sockets=[self._socket] if self._socket else None)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
