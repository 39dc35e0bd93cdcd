"""Ezepo client against the sandbox: roles, admin-only refusal, every endpoint, the fetch job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.api.helpers import FAST_RETRY, Control
from tui.api.errors import AdminOnly, ApiError, AuthError, InvalidArgument
from tui.api.ezepo import EzepoClient, LinkType, Role, Source
from tui.api.fetchjob import FetchProgress, Phase
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer


def ezepo_hits(control: Control, path: str) -> int:
    return int(control.stats()["by_path"].get(path, 0))


async def test_roles_and_a_bad_key(
    sb: SandboxServer, ez_admin: EzepoClient, ez_affiliate: EzepoClient
) -> None:
    assert await ez_admin.test() is Role.ADMIN
    assert await ez_affiliate.test() is Role.AFFILIATE
    async with EzepoClient(sb.ezepo_endpoint, Secret("wrong-key-0000"), retry=FAST_RETRY) as bad:
        with pytest.raises(AuthError, match="Access denied"):
            await bad.test()


async def test_admin_only_calls_refuse_early_for_an_affiliate_key(
    ez_affiliate: EzepoClient, control: Control
) -> None:
    with pytest.raises(AdminOnly, match="administrative"):
        await ez_affiliate.affiliates()
    with pytest.raises(AdminOnly):
        await ez_affiliate.new_list("900", "Never sent", 1, "txt")
    assert ezepo_hits(control, "/api/affiliates/") == ezepo_hits(control, "/api/newlist/") == 0


async def test_links_lists_and_affiliates(ez_admin: EzepoClient, ez_affiliate: EzepoClient) -> None:
    affid, listid = cr.DEMO_AFFILIATE_ID, cr.DEMO_LIST_ID
    download = await ez_affiliate.link(affid, Source.INTERNAL, listid, LinkType.DOWNLOAD)
    unsub = await ez_admin.link(affid, 3, listid, "unsub")
    assert "/download/" in download and "/unsubscribe/" in unsub
    assert Source(3).label == "Everflow"
    admin_lists = await ez_admin.lists()
    affiliate_lists = await ez_affiliate.lists()
    assert [x.listid for x in admin_lists] == [x.listid for x in affiliate_lists]
    assert all(x.count is not None for x in admin_lists)
    assert all(x.count is None and x.notes is None for x in affiliate_lists)
    assert [x.listid for x in await ez_admin.lists(listid)] == [listid]
    affiliates = await ez_admin.affiliates()
    assert affiliates and all(a.affiliate_key for a in affiliates)
    assert all(a.affiliate_key.reveal() not in repr(a) for a in affiliates if a.affiliate_key)
    one = await ez_admin.affiliates(affid)
    assert [a.affid for a in one] == [affid]


async def test_new_list_validates_before_sending(ez_admin: EzepoClient, control: Control) -> None:
    for bad in ({"type": 3}, {"format": "csv"}, {"name": " "}):
        with pytest.raises(InvalidArgument):
            await ez_admin.new_list(**{"listid": "77", "name": "L", **bad})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        await ez_admin.link("1", 5, "1", "download")
    assert ezepo_hits(control, "/api/newlist/") == ezepo_hits(control, "/api/links/") == 0
    await ez_admin.new_list("77", "Queued list")
    await ez_admin.new_list("78", "Ready list", type=2, format="md5")
    assert {"77", "78"} <= {x.listid for x in await ez_admin.lists()}
    with pytest.raises(ApiError, match="already exists"):
        await ez_admin.new_list("77", "Again")


@pytest.mark.parametrize(("status_word", "fmt"), [("complete", "txt"), ("completed", "md5")])
async def test_fetch_job_lifecycle(
    status_word: str,
    fmt: str,
    make_sandbox: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    sb = make_sandbox(job_seconds=0.3, status_word=status_word)
    control = Control(sb)
    # A failing status check or two is tolerated by the poll loop, a broken download retried.
    control.faults(
        {"kind": "503", "path": "/api/lists/fetch/status/", "nth": [1, 2]},
        {"kind": "reset", "path": "/api/lists/fetch/download/", "nth": [1]},
    )
    progress: list[FetchProgress] = []
    async with EzepoClient(sb.ezepo_endpoint, Secret(cr.EZEPO_AFFILIATE_KEY)) as ez:
        expected = await EzepoClient(sb.ezepo_endpoint, Secret(cr.EZEPO_ADMIN_KEY)).lists("2")
        result = await ez.fetch_list(
            "2", fmt, tmp_path, poll_seconds=0.1, on_progress=progress.append
        )
    assert result.count == expected[0].count and result.kind.value == fmt
    assert result.archive.is_file() and all(f.is_file() for f in result.files)
    assert result.path.parent == tmp_path and not list(tmp_path.glob(".*"))
    phases = [p.phase for p in progress]
    assert phases[0] is Phase.REQUESTING and phases[-1] is Phase.DONE
    assert Phase.WAITING in phases and Phase.DOWNLOADING in phases
    waiting = [p for p in progress if p.phase is Phase.WAITING]
    assert all(p.next_poll_at for p in waiting) and max(p.poll_failures for p in waiting) >= 1
    first_line = result.files[0].read_text().splitlines()[0]
    assert ("@" in first_line) == (fmt == "txt")
