"""What both clients share: the httpx client set-up, response decoding and error mapping.

Texts name a request by method and path only (`GET /v2/users/12`): never its query string.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tui import __version__
from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    NotUtf8,
    PromoTuiApiError,
    RateLimited,
    ScopeError,
    ServerError,
    UnsupportedMediaType,
)
from tui.api.health import CallHealth
from tui.redact import install_log_redaction, redact_text, redact_url

if TYPE_CHECKING:
    from typing_extensions import Self

log = logging.getLogger(__name__)
Warn = Callable[[str], None]
"""Where a client says that an answer was taken with a caveat (the app's status, the CLI's
stderr); by default, a warning in the log."""

USER_AGENT = f"promo-tui/{__version__}"
CONNECT_TIMEOUT = 10.0

# httpx errors raised before a single byte of the request left: safe to send again.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Service:
    """How errors name a service and its credential."""

    name: str
    credential: str


EASYPROMOS = Service("Easypromos", "access token")
EZEPO = Service("Ezepo", "API key")


def make_timeout(seconds: float) -> httpx.Timeout:
    """Explicit connect/read/write/pool timeouts (connect capped, it should be quick)."""
    return httpx.Timeout(
        connect=min(seconds, CONNECT_TIMEOUT), read=seconds, write=seconds, pool=seconds
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~0.2 s each time.

    Plain-HTTP base URLs (the sandbox) get none: redirects are not followed, so no request of
    such a client ever leaves for an https URL.
    """
    return httpx.create_ssl_context()


def new_client(
    base_url: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One AsyncClient per service; httpx's own log lines get redacted."""
    install_log_redaction()
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        verify=tls_context() if base_url.lower().startswith("https:") else False,
        timeout=make_timeout(timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        auth=auth,
        transport=transport,
        follow_redirects=False,
    )


class ServiceClient:
    """What both clients share: one AsyncClient, closed by `async with` or `aclose()`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        auth: httpx.Auth,
        transport: httpx.AsyncBaseTransport | None,
        warn: Warn | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.health = CallHealth()
        """When a call last succeeded (and last recovered after retries)."""
        self._client = new_client(self.base_url, timeout=timeout, auth=auth, transport=transport)
        self.warn: Warn = warn or log.warning

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.base_url)!r})"


def describe(request: httpx.Request) -> str:
    """`METHOD /path`, without the query string."""
    return f"{request.method} {request.url.path}"


async def send(
    client: httpx.AsyncClient, request: httpx.Request, service: Service, *, stream: bool = False
) -> httpx.Response:
    """Send once; httpx errors become `NetworkError` (`.sent` False when provably never sent)."""
    try:
        return await client.send(request, stream=stream)
    except httpx.DecodingError:
        raise BadResponse(
            f"{service.name} answered {describe(request)} with a body that could not be decoded."
        ) from None
    except httpx.RequestError as exc:
        raise network_error(exc, request, service) from None


def network_error(
    exc: httpx.RequestError, request: httpx.Request, service: Service
) -> NetworkError:
    what = describe(request)
    if isinstance(exc, NEVER_SENT):
        text = f"Could not reach {service.name} for {what}"
    elif isinstance(exc, httpx.TimeoutException):
        text = f"{service.name} did not answer {what} in time"
    else:
        text = f"The connection to {service.name} broke during {what}"
    detail = redact_text(str(exc)) or "no detail"
    return NetworkError(
        f"{text} ({type(exc).__name__}: {detail}).", sent=not isinstance(exc, NEVER_SENT)
    )


def json_body(response: httpx.Response, service: Service, *, lenient: bool = False) -> Any:
    """The decoded JSON of a response; HTML pages, truncated or invalid bodies -> BadResponse.

    Bytes that are not UTF-8 raise `NotUtf8` (retried like any corrupt body); `lenient` decodes
    them as U+FFFD instead (see `RepeatedBodies`)."""
    what = describe(response.request)
    content = response.content
    ctype = response.headers.get("content-type", "").lower()
    if "html" in ctype or content.lstrip()[:1] == b"<":
        raise BadResponse(f"{service.name} answered {what} with an HTML page instead of JSON.")
    try:
        try:
            data = json.loads(content)
        except UnicodeDecodeError:
            if not lenient:
                raise NotUtf8(
                    f"{service.name} answered {what} with bytes that are not UTF-8 "
                    f"({len(content)} bytes).",
                    content,
                ) from None
            data = json.loads(content.decode("utf-8", errors="replace"))
    except NotUtf8:
        raise
    except ValueError:
        raise BadResponse(
            f"{service.name} answered {what} with a body that is not valid JSON "
            f"({len(content)} bytes; truncated?)."
        ) from None
    return without_lone_surrogates(data) if _SURROGATE_ESCAPE.search(content) else data


# `\ud800`-style escapes are valid JSON but decode to lone surrogates, which no file, terminal or
# database can encode: one such nickname would break every export of its promotion.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def without_lone_surrogates(value: Any) -> Any:
    """`value` with every lone UTF-16 surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            without_lone_surrogates(key): without_lone_surrogates(item)
            for key, item in value.items()
        }
    return value


def checked_json(response: httpx.Response, service: Service) -> Any:
    """The JSON of a successful response; the typed error of any other."""
    error = status_error(response, service)
    if error is not None:
        raise error
    return json_body(response, service)


class RepeatedBodies:
    """One request's answers that were not UTF-8, across its attempts.

    A body that is not UTF-8 is retried like any corrupt body: a transfer may have mangled it,
    and a retry gets the clean record (decoding it at once wrote the damage into the cache and
    the export). Only when the last attempt brings the same bytes as the one before are they
    taken as what the server holds: decoded with U+FFFD, and `warn` names the request.
    """

    def __init__(self, attempts: int, warn: Warn) -> None:
        self.attempts = attempts
        self.warn = warn
        self.count = 0
        self.previous: bytes | None = None

    def checked_json(self, response: httpx.Response, service: Service) -> Any:
        """`checked_json`, except for the last of repeated bodies that are not UTF-8."""
        try:
            return checked_json(response, service)
        except NotUtf8 as exc:
            self.count += 1
            same, self.previous = exc.content == self.previous, exc.content
            if not same or self.count < self.attempts:
                raise
        self.warn(
            f"{service.name} answered {describe(response.request)} with the same bytes that are "
            f"not UTF-8 {self.count} times in a row; they are shown as \N{REPLACEMENT CHARACTER}."
        )
        return json_body(response, service, lenient=True)


def status_error(response: httpx.Response, service: Service) -> PromoTuiApiError | None:
    """The typed error for a non-2xx response, or None for a success."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    what = describe(response.request)
    body = _error_body(response)
    detail = str(body.get("message") or body.get("error") or "")
    if status == 400:
        code = body.get("code")
        number = int(code) if isinstance(code, (int, str)) and str(code).isdigit() else None
        return ApiError(number, detail, context=f"{service.name} refused {what}: ")
    if status == 401:
        suffix = f" ({detail})" if detail else ""
        return AuthError(
            f"{service.name} refused the {service.credential} for {what}{suffix}.", status=401
        )
    if status == 403:
        return ScopeError(
            f"{service.name} forbids {what} to this {service.credential} (its scope or plan).",
            status=403,
        )
    if status == 404:
        return NotFound(f"{service.name} found nothing at {what}.", status=404)
    if status == 415:
        return UnsupportedMediaType(
            f"{service.name} refused the content type of {what} (415).", status=415
        )
    if status == 429:
        return RateLimited(f"{service.name} rate limit exceeded for {what} (429).", status=429)
    if status >= 500:
        return ServerError(
            f"{service.name} had a server error on {what} (HTTP {status}).", status=status
        )
    if status >= 400:
        return ApiError(
            None,
            detail or f"HTTP {status}",
            context=f"{service.name} refused {what}: ",
            status=status,
        )
    return BadResponse(f"{service.name} answered {what} with HTTP {status}.", status=status)


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, httpx.ResponseNotRead):
        return {}
    return body if isinstance(body, dict) else {}
