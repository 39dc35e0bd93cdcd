"""Ezepo sandbox over real HTTP: keys, admin-only calls, lists, links, fetch jobs and zips."""

from __future__ import annotations

import io
import re
import time
import zipfile

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

ADMIN = {"key": cr.EZEPO_ADMIN_KEY}
AFFILIATE = {"key": cr.EZEPO_AFFILIATE_KEY}
DENIED = {"error": "Access denied. Please check your API Key and try again."}


def test_test_tells_admin_from_affiliate(ez: httpx.Client) -> None:
    assert ez.get("/test/", params=ADMIN).json() == {"status": 1}
    assert ez.get("/test/", params=AFFILIATE).json() == {"status": 2}
    assert ez.get("/test", params=ADMIN).json() == {"status": 1}  # no redirect without slash


@pytest.mark.parametrize("params", [{}, {"key": "0" * 32}])
def test_bad_key_is_401_with_the_exact_body(ez: httpx.Client, params: dict[str, str]) -> None:
    response = ez.get("/test/", params=params)
    assert response.status_code == 401
    assert (
        response.content == b'{"error":"Access denied. Please check your API Key and try again."}'
    )


@pytest.mark.parametrize("path", ["/newlist/", "/affiliates/"])
def test_admin_only_calls_refuse_affiliate_keys(ez: httpx.Client, path: str) -> None:
    response = ez.get(path, params={**AFFILIATE, "listid": "900", "name": "x"})
    assert response.status_code == 401 and response.json() == DENIED


def test_lists_hide_admin_fields_from_affiliates(ez: httpx.Client) -> None:
    admin = ez.get("/lists/", params=ADMIN).json()["lists"]
    affiliate = ez.get("/lists/", params=AFFILIATE).json()["lists"]
    assert {"listid", "name", "active", "format", "count", "last_upload", "notes"} == set(admin[0])
    assert {"listid", "name", "active", "format"} == set(affiliate[0])
    assert all(isinstance(v, str) for row in admin for v in row.values())
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", row["last_upload"]) for row in admin)
    assert "00/00/0000" in {row["last_upload"] for row in admin}
    one = ez.get("/lists/", params={**ADMIN, "listid": cr.DEMO_LIST_ID}).json()["lists"]
    assert [row["listid"] for row in one] == [cr.DEMO_LIST_ID]


def test_affiliates_carry_their_keys(ez: httpx.Client) -> None:
    rows = ez.get("/affiliates/", params=ADMIN).json()["affiliates"]
    demo = next(row for row in rows if row["affid"] == cr.DEMO_AFFILIATE_ID)
    assert demo["affiliate_key"] == cr.EZEPO_AFFILIATE_KEY
    assert set(demo) == {"affid", "source", "name", "affiliate_key"}
    only = ez.get("/affiliates/", params={**ADMIN, "affid": "102"}).json()["affiliates"]
    assert [row["affid"] for row in only] == ["102"]


def test_links(ez: httpx.Client, sandbox: SandboxServer) -> None:
    query = {"affid": cr.DEMO_AFFILIATE_ID, "src": "1", "listid": cr.DEMO_LIST_ID}
    unsub = ez.get("/links/", params={**AFFILIATE, **query, "link_type": "unsub"}).json()["link"]
    download = ez.get("/links/", params={**ADMIN, **query, "link_type": "download"}).json()["link"]
    host = sandbox.base_url
    aff, lst, key = cr.DEMO_AFFILIATE_ID, cr.DEMO_LIST_ID, cr.EZEPO_AFFILIATE_KEY
    assert unsub == f"{host}/unsubscribe/{aff}/{lst}/{lst}/1/{key}"
    assert download == f"{host}/download/{aff}/{lst}/1/{key}"
    bad = ez.get("/links/", params={**ADMIN, **query, "link_type": "unsub", "src": "9"})
    assert bad.status_code == 400 and "error" in bad.json()


def fetch(ez: httpx.Client, fmt: str, listid: str = cr.DEMO_LIST_ID) -> str:
    job = ez.get("/lists/fetch/", params={**AFFILIATE, "listid": listid, "format": fmt}).json()
    assert job["status"] == 1 and job["message"].endswith(job["jobid"])
    return str(job["jobid"])


def wait_until_done(ez: httpx.Client, jobid: str) -> str:
    while (status := ez.get("/lists/fetch/status/", params={**ADMIN, "jobid": jobid}).json())[
        "status"
    ] == "working":
        time.sleep(0.05)
    return str(status["status"])


def lines_of(archive_bytes: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        (member,) = archive.namelist()
        return archive.read(member).decode().splitlines()


def test_fetch_job_lifecycle_and_zip(ez: httpx.Client) -> None:
    started = time.monotonic()
    jobid = fetch(ez, "txt")
    status = ez.get("/lists/fetch/status/", params={**ADMIN, "jobid": jobid}).json()
    assert status == {"status": "working"}
    early = ez.get("/lists/fetch/download/", params={**ADMIN, "jobid": jobid})
    assert early.status_code == 409
    assert wait_until_done(ez, jobid) == "complete"
    assert time.monotonic() - started >= 0.5
    response = ez.get("/lists/fetch/download/", params={**AFFILIATE, "jobid": jobid})
    assert response.headers["content-type"] == "application/zip"
    lines = lines_of(response.content)
    assert len(lines) == 1000 and all("@" in line for line in lines)


def test_md5_lists_and_completed_word(ez: httpx.Client, control: httpx.Client) -> None:
    control.put("/ezepo", json={"status_word": "completed", "job_seconds": 0, "list_size": 5000})
    jobid = fetch(ez, "md5", "2")
    assert wait_until_done(ez, jobid) == "completed"
    lines = lines_of(ez.get("/lists/fetch/download/", params={**ADMIN, "jobid": jobid}).content)
    assert len(lines) == 5000
    assert all(re.fullmatch(r"[0-9a-f]{32}", line) for line in lines)


def test_unknown_job_and_list(ez: httpx.Client) -> None:
    assert ez.get("/lists/fetch/status/", params={**ADMIN, "jobid": "NOPE"}).status_code == 404
    missing = ez.get("/lists/fetch/", params={**ADMIN, "listid": "999", "format": "txt"})
    assert missing.status_code == 400
    bad_format = ez.get("/lists/fetch/", params={**ADMIN, "listid": "1", "format": "csv"})
    assert bad_format.status_code == 400


def test_newlist_validates_and_creates(ez: httpx.Client, sandbox: SandboxServer) -> None:
    assert ez.get("/newlist/", params={**ADMIN, "name": "x"}).status_code == 400
    assert ez.get("/newlist/", params={**ADMIN, "listid": "abc", "name": "x"}).status_code == 400
    assert ez.get("/newlist/", params={**ADMIN, "listid": "1", "name": "x"}).status_code == 400
    listid = str(500 + len(sandbox.state.ezepo.lists))
    made = ez.get("/newlist/", params={**ADMIN, "listid": listid, "name": "Queued list"})
    assert made.json() == {"status": 1}
    row = ez.get("/lists/", params={**ADMIN, "listid": listid}).json()["lists"][0]
    assert row == {
        "listid": listid,
        "name": "Queued list",
        "active": "N",
        "format": "txt",
        "count": "0",
        "last_upload": "00/00/0000",
        "notes": "",
    }
