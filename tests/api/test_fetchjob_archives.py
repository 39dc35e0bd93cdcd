"""Hostile downloads are refused: traversal, absolute paths, links, bombs, non-zips, JSON errors.

These use httpx.MockTransport: the sandbox only ever serves well-formed zips, and a hostile
archive is exactly the fault a real server cannot be asked to produce.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.archives import symlink, zip_of
from tui.api.errors import AuthError, BadResponse, JobFailed, UnsafeArchive
from tui.api.ezepo import EzepoClient
from tui.api.fetchjob import ExtractLimits, FetchResult
from tui.redact import Secret

KEY = Secret("mock-ezepo-key-0123456789")


def server(
    download: httpx.Response,
    statuses: tuple[str, ...] = ("working", "complete"),
    polls: list[str] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """A tiny Ezepo: one job whose status walks through `statuses`, then `download`; each status
    answered is appended to `polls`."""
    remaining = list(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.params["key"] == KEY.reveal()
        path = request.url.path
        if path == "/api/lists/fetch/":
            return httpx.Response(200, json={"status": 1, "jobid": "J1", "message": "created"})
        if path == "/api/lists/fetch/status/":
            status = remaining.pop(0) if len(remaining) > 1 else remaining[0]
            if polls is not None:
                polls.append(status)
            return httpx.Response(200, json={"status": status})
        if path == "/api/lists/fetch/download/":
            return download
        return httpx.Response(404, json={"error": "no such path"})

    return handle


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "dest"


async def fetch(
    dest: Path, response: httpx.Response, limits: ExtractLimits | None = None, **kw: object
) -> FetchResult:
    transport = httpx.MockTransport(server(response, **kw))  # type: ignore[arg-type]
    async with EzepoClient("http://ezepo.test", KEY, transport=transport) as ez:
        return await ez.fetch_list("1", "txt", dest, poll_seconds=0.01, limits=limits)


def empty(directory: Path) -> bool:
    return not directory.exists() or not any(directory.rglob("*"))


def zip_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/zip"})


async def test_a_good_zip_is_extracted(dest: Path) -> None:
    body = zip_of(("list/a.txt", b"a@x.com\nb@x.com\n"), ("list/b.txt", b"c@x.com\n\n"))
    result = await fetch(dest, zip_response(body))
    assert result.count == 3 and len(result.files) == 2


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("../evil.txt", b"x")], "outside"),
        ([("ok/../../evil.txt", b"x")], "outside"),
        ([("/etc/evil.txt", b"x")], "absolute"),
        ([("C:/evil.txt", b"x")], "absolute"),
        ([("ok.txt", b"x"), symlink("link", "/etc/passwd")], "link"),
        ([("bomb.txt", bytes(8 << 20))], "bomb"),
        ([(f"f{i}.txt", b"x") for i in range(6)], "members"),
    ],
)
async def test_hostile_zips_are_refused(
    dest: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]], message: str
) -> None:
    with pytest.raises(UnsafeArchive, match=message):
        await fetch(dest, zip_response(zip_of(*members)), ExtractLimits(max_members=5))
    assert empty(dest)  # nothing extracted, no archive, no partial file
    assert not (dest.parent / "evil.txt").exists()


async def test_a_total_size_cap(dest: Path) -> None:
    body = zip_of(("a.txt", b"a" * 5000), ("b.txt", b"b" * 5000))
    with pytest.raises(UnsafeArchive, match="expands beyond"):
        await fetch(dest, zip_response(body), ExtractLimits(max_total_bytes=8000))


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (zip_response(b"<html>not a zip</html>"), BadResponse, "not a zip"),
        (httpx.Response(200, json={"error": "Job expired."}), BadResponse, "Job expired"),
        (
            httpx.Response(401, json={"error": "Access denied. Please check your API Key."}),
            AuthError,
            "Access denied",
        ),
    ],
)
async def test_non_zip_downloads_give_a_clear_error(
    dest: Path, response: httpx.Response, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as raised:
        await fetch(dest, response)
    assert KEY.reveal() not in str(raised.value) and empty(dest)


async def test_a_failed_job(dest: Path) -> None:
    with pytest.raises(JobFailed, match="failed"):
        await fetch(dest, zip_response(b""), statuses=("working", "failed"))


async def test_cancel_while_waiting_leaves_nothing(dest: Path) -> None:
    polls: list[str] = []
    task = asyncio.ensure_future(
        fetch(dest, zip_response(zip_of(("a.txt", b"a\n"))), statuses=("working",), polls=polls)
    )
    while len(polls) < 2:  # the job was created and is being waited for
        await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert empty(dest)
