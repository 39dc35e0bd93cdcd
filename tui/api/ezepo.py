"""The Ezepo client: the key rides in the query string, added at send time and redacted in text."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from pathlib import Path
from typing import Any

import httpx

from tui.api import endpoints
from tui.api.errors import AdminOnly, ApiError, BadResponse, InvalidArgument
from tui.api.fetchjob import ExtractLimits, FetchProgress, FetchResult, run_fetch
from tui.api.models import (
    Affiliate,
    EzepoList,
    LinkType,
    ListFormat,
    ListType,
    Role,
    Source,
    to_id,
    to_int,
)
from tui.api.retry import RetryPolicy, with_retries
from tui.api.transport import (
    EZEPO,
    RepeatedBodies,
    ServiceClient,
    Warn,
    json_body,
    network_error,
    send,
    status_error,
)
from tui.redact import Secret

__all__ = [
    "EzepoClient",
    "FetchProgress",
    "FetchResult",
    "LinkType",
    "ListFormat",
    "ListType",
    "Role",
    "Source",
]


class KeyAuth(httpx.Auth):
    """Adds `key=` to each request as it is sent, so no stored URL carries it."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({"key": self._key.reveal()})
        yield request


def _choice(enum: Any, value: Any, what: str) -> Any:
    """`value` as a member of `enum`, or InvalidArgument naming the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum)
        raise InvalidArgument(f"{what} must be one of {allowed}, not {value!r}.") from None


class EzepoClient(ServiceClient):
    """`async with EzepoClient(endpoint, key) as ez:`; admin-only calls check the role first."""

    def __init__(
        self,
        endpoint: str,
        key: Secret,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        warn: Warn | None = None,
    ) -> None:
        super().__init__(
            endpoint, timeout=timeout, auth=KeyAuth(key), transport=transport, warn=warn
        )
        self.retry = retry or RetryPolicy()
        self._role: Role | None = None

    async def _get(
        self, path: str, params: dict[str, Any] | None = None, *, retry: bool = True
    ) -> Any:
        policy = self.retry if retry else RetryPolicy(attempts=1)
        bodies = RepeatedBodies(policy.attempts, self.warn)

        async def once() -> Any:
            request = self._client.build_request("GET", path, params=_clean(params))
            return bodies.checked_json(await send(self._client, request, EZEPO), EZEPO)

        return await with_retries(once, policy, health=self.health, what=f"Ezepo (GET {path})")

    async def _get_dict(
        self, path: str, params: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        data = await self._get(path, params, **kw)
        if not isinstance(data, dict):
            raise BadResponse(f"Ezepo answered GET {path} with something other than an object.")
        return data

    # -- role -----------------------------------------------------------------------------------

    async def test(self) -> Role:
        """The key's role (`/api/test/`); a bad key raises AuthError."""
        status = to_int((await self._get_dict(endpoints.EZEPO_TEST)).get("status"))
        if status not in (Role.ADMIN, Role.AFFILIATE):
            raise BadResponse(f"Ezepo answered the key test with an unknown status {status!r}.")
        self._role = Role(status)
        return self._role

    async def role(self) -> Role:
        """The key's role, tested once per client."""
        return self._role if self._role is not None else await self.test()

    async def _require_admin(self, what: str) -> None:
        if await self.role() is not Role.ADMIN:
            raise AdminOnly(f"{what} needs an administrative Ezepo key; this is an affiliate key.")

    # -- calls ----------------------------------------------------------------------------------

    async def link(
        self,
        affid: str | int,
        src: Source | int,
        listid: str | int,
        link_type: LinkType | str,
    ) -> str:
        """An unsubscribe or data-download link (it embeds an affiliate key: never log it)."""
        params = {
            "affid": affid,
            "src": int(_choice(Source, src, "The source")),
            "listid": listid,
            "link_type": _choice(LinkType, link_type, "The link type").value,
        }
        link = (await self._get_dict(endpoints.EZEPO_LINKS, params)).get("link")
        if not isinstance(link, str) or not link:
            raise BadResponse("Ezepo answered the link request without a link.")
        return link

    async def lists(self, listid: str | int | None = None) -> list[EzepoList]:
        """All lists, or one; `count`, `last_upload` and `notes` only with an admin key."""
        data = await self._get_dict(endpoints.EZEPO_LISTS, {"listid": listid})
        return [EzepoList.from_raw(item) for item in _items(data, "lists")]

    async def affiliates(self, affid: str | int | None = None) -> list[Affiliate]:
        """All affiliates, or one (admin only); their keys come as `Secret`s."""
        await self._require_admin("Listing affiliates")
        data = await self._get_dict(endpoints.EZEPO_AFFILIATES, {"affid": affid})
        return [Affiliate.from_raw(item) for item in _items(data, "affiliates")]

    async def new_list(
        self,
        listid: str | int,
        name: str,
        type: ListType | int | None = None,
        format: ListFormat | str | None = None,
    ) -> None:
        """Create a list (admin only); without both `type` and `format` it waits in the queue."""
        if not to_id(listid) or not name.strip():
            raise InvalidArgument("A new list needs a list id and a name.")
        params = {
            "listid": listid,
            "name": name,
            "type": None if type is None else int(_choice(ListType, type, "The list type")),
            "format": None if format is None else _choice(ListFormat, format, "The format").value,
        }
        await self._require_admin("Creating a list")
        data = await self._get_dict(endpoints.EZEPO_NEWLIST, params, retry=False)
        if to_int(data.get("status")) != 1:
            raise ApiError(
                None,
                str(data.get("error") or data.get("message") or ""),
                context="Ezepo did not create the list: ",
            )

    # -- the fetch job --------------------------------------------------------------------------

    async def start_fetch(self, listid: str | int, format: ListFormat | str) -> str:
        """Ask for a list's data; returns the job id."""
        fmt = _choice(ListFormat, format, "The format").value
        data = await self._get_dict(endpoints.EZEPO_FETCH, {"listid": listid, "format": fmt})
        jobid = to_id(data.get("jobid"))
        if not jobid:
            message = data.get("error") or data.get("message") or "no job id"
            raise BadResponse(f"Ezepo did not start a fetch job for list {listid} ({message}).")
        return jobid

    async def job_status(self, jobid: str) -> str:
        """The job's status word, lower-case (one attempt: the poll loop tolerates failures)."""
        data = await self._get_dict(endpoints.EZEPO_FETCH_STATUS, {"jobid": jobid}, retry=False)
        return str(data.get("status", "")).strip().lower()

    async def download(self, jobid: str, chunk_size: int = 1 << 16) -> AsyncGenerator[bytes, None]:
        """The job's zip, streamed chunk by chunk (a JSON error body raises its error).

        Use with `contextlib.aclosing` so the connection is released if you stop early."""
        request = self._client.build_request(
            "GET", endpoints.EZEPO_FETCH_DOWNLOAD, params={"jobid": jobid}
        )
        response = await send(self._client, request, EZEPO, stream=True)
        try:
            if not response.is_success or _is_json(response):
                await response.aread()
                raise status_error(response, EZEPO) or _not_a_zip(response, jobid)
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.DecodingError:
            raise BadResponse(f"Ezepo's zip for job {jobid} could not be decoded.") from None
        except httpx.RequestError as exc:
            raise network_error(exc, request, EZEPO) from None
        finally:
            await response.aclose()

    async def fetch_list(
        self,
        listid: str | int,
        format: ListFormat | str,
        dest_dir: Path,
        *,
        poll_seconds: float = 30.0,
        on_progress: Callable[[FetchProgress], None] | None = None,
        limits: ExtractLimits | None = None,
    ) -> FetchResult:
        """Fetch, poll, download and safely extract a list (see `tui.api.fetchjob`)."""
        fmt = _choice(ListFormat, format, "The format")
        return await run_fetch(
            self,
            str(listid),
            fmt,
            Path(dest_dir),
            poll_seconds=poll_seconds,
            on_progress=on_progress,
            limits=limits or ExtractLimits(),
        )


def _clean(params: dict[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (params or {}).items() if value is not None}


def _items(data: dict[str, Any], key: str) -> list[Any]:
    items = data.get(key)
    if not isinstance(items, list):
        raise BadResponse(f"Ezepo's answer has no {key!r} list.")
    return items


def _not_a_zip(response: httpx.Response, jobid: str) -> BadResponse:
    try:
        data = json_body(response, EZEPO)
    except BadResponse as exc:
        return exc
    detail = data.get("error") or data.get("message") if isinstance(data, dict) else None
    return BadResponse(f"Ezepo sent an error instead of the zip of job {jobid}: {detail or data}.")


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "").lower()
