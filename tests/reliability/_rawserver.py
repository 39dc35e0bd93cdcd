"""A raw-socket HTTP proxy on 127.0.0.1 that breaks answers in ways a real server cannot.

Each request is read off the socket by hand; if a fault is armed for it, the proxy misbehaves
(`RAW_FAULTS`), otherwise the request goes to the upstream (the sandbox) with
`Connection: close` and the answer is relayed byte for byte. One request per connection, so
each request meets the proxy's decision on its own.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RAW_FAULTS = {
    "reset-after-headers": "headers announce a body, then a TCP RST",
    "half-body": "half of the announced body, then a clean close",
    "no-answer": "accepts the request and never answers",
    "garbage": "bytes that are not HTTP at all",
    "html-200": "a 200 whose body is an HTML page",
    "bad-gzip": "Content-Encoding gzip on bytes that are not gzip",
    "bad-utf8": "a 200 JSON body with bytes that are not UTF-8",
}

_BODY = b'{"items": [{"id": "1", "name": "x"}], "paging": {"items_page": 1}}'


def _head(status: str, ctype: str, length: int, *extra: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", f"Content-Length: {length}"]
    return ("\r\n".join([*lines, *extra, "Connection: close"]) + "\r\n\r\n").encode()


@dataclass
class _Armed:
    kind: str
    path: str
    skip: int  # matching requests let through first
    remaining: int  # then broken; -1: all of them


@dataclass
class FaultyProxy:
    """`with FaultyProxy(upstream_base_url) as proxy:`; `proxy.url` replaces the upstream's."""

    upstream: str
    # Same-length byte substitutions in relayed answers (e.g. a JSON `\\ud800` escape).
    rewrites: dict[bytes, bytes] = field(default_factory=dict)
    # Path prefix -> (content type, body) answered with a 200 instead of the upstream's.
    bodies: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._prefix = parts.path.rstrip("/")
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, name="faulty-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}{self._prefix}"

    def arm(self, kind: str, *, path: str = "", skip: int = 0, times: int = -1) -> None:
        """After `skip` requests under `path`, break the next `times` (all with -1)."""
        if kind not in RAW_FAULTS:
            raise ValueError(f"unknown raw fault {kind!r}")
        with self._lock:
            self._armed.append(_Armed(kind, self._prefix + path, skip, times))

    def disarm(self) -> None:
        with self._lock:
            self._armed.clear()
        self._release()

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        self._release()

    # ---- serving --------------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _pick(self, path: str) -> str | None:
        with self._lock:
            for armed in self._armed:
                if not path.startswith(armed.path) or armed.remaining == 0:
                    continue
                if armed.skip > 0:
                    armed.skip -= 1
                    return None
                armed.remaining -= armed.remaining > 0
                return armed.kind
        return None

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            request = _read_request(conn)
            if request is None:
                conn.close()
                return
            path = request.split(b" ", 2)[1].decode("latin-1")
            kind = self._pick(path)
            body = next((v for k, v in self.bodies.items() if path.startswith(k)), None)
            if body is not None:
                conn.sendall(_head("200 OK", body[0], len(body[1])) + body[1])
            elif kind is None:
                self._forward(conn, request)
            elif self._misbehave(conn, kind):
                return  # the connection is held open on purpose
        except OSError:
            pass
        with suppress(OSError):
            conn.close()

    def _misbehave(self, conn: socket.socket, kind: str) -> bool:
        """Send the fault; True when the connection must stay open (no answer at all)."""
        if kind == "no-answer":
            with self._lock:
                self._held.append(conn)
            return True
        if kind == "reset-after-headers":
            conn.sendall(_head("200 OK", "application/json", len(_BODY)))
            time.sleep(0.05)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif kind == "half-body":
            conn.sendall(_head("200 OK", "application/json", len(_BODY)) + _BODY[: len(_BODY) // 2])
        elif kind == "garbage":
            conn.sendall(b"\x00\xffSSH-2.0-OpenSSH_9.6\r\n\x16\x03\x01garbage\r\n\r\n")
        elif kind == "html-200":
            page = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
            conn.sendall(_head("200 OK", "text/html", len(page)) + page)
        elif kind == "bad-gzip":
            conn.sendall(
                _head("200 OK", "application/json", len(_BODY), "Content-Encoding: gzip") + _BODY
            )
        elif kind == "bad-utf8":
            body = _BODY.replace(b'"x"', b'"\xff\xfe\xc3("')
            conn.sendall(_head("200 OK", "application/json", len(body)) + body)
        return False

    def _forward(self, conn: socket.socket, request: bytes) -> None:
        with socket.create_connection(self._target, timeout=30) as upstream:
            upstream.sendall(_with_close(request))
            answer = b"".join(iter(lambda: upstream.recv(65536), b""))
        for old, new in self.rewrites.items():
            if len(old) != len(new):
                raise ValueError("a rewrite must keep the length (Content-Length)")
            answer = answer.replace(old, new)
        conn.sendall(answer)

    def _release(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for conn in held:
            with suppress(OSError):
                conn.close()


def _read_request(conn: socket.socket) -> bytes | None:
    """One whole HTTP request (head and Content-Length body), or None if the peer left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _with_close(request: bytes) -> bytes:
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
