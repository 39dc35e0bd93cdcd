"""Ezepo API routes (under /api), as the Ezepo seed describes them; downloads stream real zips."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.sandbox.ezepo_state import EzepoJob, EzepoList, EzepoState
from tui.sandbox.state import SandboxState

PREFIX = "/api"
ACCESS_DENIED = {"error": "Access denied. Please check your API Key and try again."}
SOURCES = ("1", "2", "3", "4")  # Internal, Cake, Everflow, LeadsPedia
LINK_TYPES = ("download", "unsub")
FORMATS = ("txt", "md5")
_LINES_PER_BLOCK = 4096
_CHUNK_BYTES = 256 * 1024
_DEFLATE_MAX_LINES = (
    1_000_000  # bigger lists are stored: deflate would bound a benchmark at ~50 MB/s
)


class EzepoError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


def _invalid(message: str, status: int = 400) -> EzepoError:
    return EzepoError(status, {"error": message})


def _required(request: Request, name: str, choices: tuple[str, ...] | None = None) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise _invalid(f"Missing required field: {name}.")
    if choices is not None and value not in choices:
        raise _invalid(f"Invalid {name}: expected one of {', '.join(choices)}.")
    return value


def list_lines(listid: str, fmt: str, count: int) -> Iterator[bytes]:
    """The list's content in blocks, built in bulk so that GB-sized lists stay fast: one address a
    line (txt), or 32 deterministic pseudo-random hex digits a line (md5)."""
    for block, start in enumerate(range(0, count, _LINES_PER_BLOCK)):
        stop = min(count, start + _LINES_PER_BLOCK)
        if fmt == "md5":
            digest = hashlib.shake_128(f"{listid}:{start}".encode()).digest(16 * (stop - start))
            yield digest.hex("\n", -16).encode() + b"\n"
        else:
            suffix = f".l{listid}@example{block % 97}.com\n"
            yield f"optout{f'{suffix}optout'.join(map(str, range(start, stop)))}{suffix}".encode()


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands out what was written (zipfile streams into it)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks, self.size = [], 0
        return out


def zip_stream(member: str, blocks: Iterator[bytes], deflate: bool = True) -> Iterator[bytes]:
    """A zip archive of one member, produced chunk by chunk (constant memory)."""
    sink = _Sink()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    archive = zipfile.ZipFile(sink, "w", compression=method, compresslevel=1)
    with archive, archive.open(member, "w", force_zip64=True) as entry:
        for block in blocks:
            entry.write(block)
            if sink.size >= _CHUNK_BYTES:
                yield sink.take()
    yield sink.take()


Handler = Callable[[Request, int, str | None], Awaitable[Response]]


class EzepoApi:
    """One Ezepo instance: admin key (status 1) and affiliate keys (status 2)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @property
    def ezepo(self) -> EzepoState:
        return self.state.ezepo

    def routes(self) -> list[Route]:
        endpoints: list[tuple[str, Handler, bool]] = [
            ("test", self.test, False),
            ("links", self.links, False),
            ("lists", self.lists, False),
            ("lists/fetch", self.fetch, False),
            ("lists/fetch/status", self.status, False),
            ("lists/fetch/download", self.download, False),
            ("newlist", self.newlist, True),
            ("affiliates", self.affiliates, True),
        ]
        routes = []
        for path, handler, admin_only in endpoints:
            endpoint = self._keyed(handler, admin_only)
            routes += [Route(f"{PREFIX}/{path}/", endpoint), Route(f"{PREFIX}/{path}", endpoint)]
        return routes

    def _keyed(
        self, handler: Handler, admin_only: bool
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            role = self.ezepo.key_role(request.query_params.get("key"))
            if role is None or (admin_only and role[0] != 1):
                return JSONResponse(ACCESS_DENIED, status_code=401)
            try:
                return await handler(request, *role)
            except EzepoError as error:
                return JSONResponse(error.body, status_code=error.status)

        return endpoint

    async def test(self, request: Request, role: int, affid: str | None) -> Response:
        return JSONResponse({"status": role})

    def _list(self, listid: str) -> EzepoList:
        found = self.ezepo.lists.get(listid)
        if found is None:
            raise _invalid("Invalid list ID.")
        return found

    async def links(self, request: Request, role: int, affid: str | None) -> Response:
        target = _required(request, "affid")
        if role == 2 and target != affid:  # an affiliate key gets its own links only [assumed]
            return JSONResponse(ACCESS_DENIED, status_code=401)
        src = _required(request, "src", SOURCES)
        listid = self._list(_required(request, "listid")).listid
        link_type = _required(request, "link_type", LINK_TYPES)
        affiliate = self.ezepo.affiliates.get(target)
        if affiliate is None:
            raise _invalid("Invalid affiliate ID.")
        host, secret = f"http://{request.url.netloc}", affiliate[2]
        if link_type == "unsub":
            link = f"{host}/unsubscribe/{target}/{listid}/{listid}/{src}/{secret}"
        else:
            link = f"{host}/download/{target}/{listid}/{src}/{secret}"
        return JSONResponse({"link": link})

    async def lists(self, request: Request, role: int, affid: str | None) -> Response:
        wanted = request.query_params.get("listid")
        rows = []
        for item in self.ezepo.lists.values():
            if wanted and item.listid != wanted:
                continue
            row = {
                "listid": item.listid,
                "name": item.name,
                "active": item.active,
                "format": item.format,
            }
            if role == 1:
                row |= {
                    "count": str(item.count),
                    "last_upload": item.last_upload,
                    "notes": item.notes,
                }
            rows.append(row)
        return JSONResponse({"lists": rows})

    async def fetch(self, request: Request, role: int, affid: str | None) -> Response:
        listid = self._list(_required(request, "listid")).listid
        job = self.ezepo.create_job(listid, _required(request, "format", FORMATS))
        return JSONResponse(
            {
                "status": 1,
                "jobid": job.jobid,
                "message": f"A new job has been created with id {job.jobid}",
            }
        )

    def _job(self, request: Request) -> EzepoJob:
        job = self.ezepo.job(_required(request, "jobid"))
        if job is None:
            raise _invalid("Invalid job ID.", status=404)
        return job

    async def status(self, request: Request, role: int, affid: str | None) -> Response:
        return JSONResponse({"status": self.ezepo.job_status(self._job(request))})

    async def download(self, request: Request, role: int, affid: str | None) -> Response:
        job = self._job(request)
        if self.ezepo.job_status(job) == "working":
            raise _invalid("The job is not complete yet.", status=409)
        name = f"list_{job.listid}_{job.format}"
        lines = self.ezepo.lines_of(job)
        blocks = list_lines(job.listid, job.format, lines)
        return StreamingResponse(
            zip_stream(f"{name}.txt", blocks, deflate=lines <= _DEFLATE_MAX_LINES),
            media_type="application/zip",
            headers={"content-disposition": f'attachment; filename="{name}.zip"'},
        )

    async def newlist(self, request: Request, role: int, affid: str | None) -> Response:
        listid = _required(request, "listid")
        if not listid.isdigit():
            raise _invalid("Invalid list ID: it must be numeric.")
        if listid in self.ezepo.lists:
            raise _invalid("List ID already exists.")
        name = _required(request, "name")
        params = request.query_params
        self.ezepo.add_list(listid, name, params.get("type"), params.get("format"))
        return JSONResponse({"status": 1})

    async def affiliates(self, request: Request, role: int, affid: str | None) -> Response:
        wanted = request.query_params.get("affid")
        rows = [
            {"affid": key, "source": source, "name": name, "affiliate_key": secret}
            for key, (source, name, secret) in self.ezepo.affiliates.items()
            if not wanted or key == wanted
        ]
        return JSONResponse({"affiliates": rows})
