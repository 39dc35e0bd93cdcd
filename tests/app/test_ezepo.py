"""The Ezepo screen against the sandbox over real HTTP, driven through the Pilot."""

from __future__ import annotations

import csv
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent

from tests.app.conftest import wait_until
from tui.api.ezepo import EzepoClient
from tui.api.models import LinkType, Role, Source
from tui.csv_cells import neutralise
from tui.ezepo_session import EzepoSession
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.screens.ezepo import EzepoScreen
from tui.widgets.ezepo.bulk import BulkLinks
from tui.widgets.ezepo.jobs import FetchJobs
from tui.widgets.ezepo.link_builder import LinkBuilder
from tui.widgets.ezepo.link_output import LinkOutput
from tui.widgets.ezepo.new_list import NewListForm

SIZE = (140, 40)


class EzepoHost(App[None]):
    """A bare app that opens the Ezepo screen with its own client."""

    def __init__(self, endpoint: str, key: str, **screen_options: Any) -> None:
        super().__init__()
        self.endpoint, self.key, self.screen_options = endpoint, key, screen_options
        self.client: EzepoClient | None = None

    async def on_mount(self) -> None:
        self.client = EzepoClient(self.endpoint, Secret(self.key), timeout=5.0)
        await self.push_screen(EzepoScreen(EzepoSession(self.client), **self.screen_options))

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()


async def ready(pilot: Pilot[Any], *, admin: bool = True) -> EzepoScreen:
    """The screen once its role, lists (and for admins affiliates) are loaded."""
    screen = pilot.app.screen
    assert isinstance(screen, EzepoScreen)
    await wait_until(pilot, lambda: screen.role is not None and screen.lists)
    if admin:
        await wait_until(pilot, lambda: screen.affiliates)
    table = screen.query_one("#lists-table", DataTable)
    await wait_until(pilot, lambda: not table.loading)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    return screen


def host(sandbox: Any, key: str = cr.EZEPO_ADMIN_KEY, **options: Any) -> EzepoHost:
    return EzepoHost(sandbox.ezepo_endpoint, key, **options)


def tab_hidden(screen: EzepoScreen, tab: str) -> bool:
    return screen.query_one(TabbedContent).get_tab(tab).has_class("-hidden")


async def copy_built_link(pilot: Pilot[Any]) -> LinkOutput:
    """On an admin's Ezepo screen: build the demo affiliate's link and press `c`."""
    screen = await ready(pilot)
    await pilot.press("3")
    builder = screen.query_one(LinkBuilder)
    builder.query_one("#link-affiliate", Select).value = cr.DEMO_AFFILIATE_ID
    builder.query_one("#link-list", Select).value = cr.DEMO_LIST_ID
    output = builder.query_one(LinkOutput)
    await wait_until(pilot, lambda: output.link is not None)
    builder.query_one("#link-type", Select).focus()
    await pilot.press("c")
    return output


async def test_build_and_copy_unsub_link(sandbox: Any) -> None:
    app = host(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        output = await copy_built_link(pilot)
        assert app.client is not None
        expected = await app.client.link(
            cr.DEMO_AFFILIATE_ID, Source.INTERNAL, cr.DEMO_LIST_ID, LinkType.UNSUB
        )
        assert "/unsubscribe/" in expected
        assert app.clipboard == expected
        # Headless: no clipboard route can be confirmed, so the link is offered for a manual copy.
        manual = output.query_one("#manual-copy", Input)
        assert manual.display and manual.value == expected and manual.has_focus


async def test_fetch_job_runs_to_a_zip_on_disk(sandbox: Any, tmp_path: Path) -> None:
    sandbox.state.ezepo.configure(job_seconds=0.5, status_word=None, list_size=None)
    app = host(sandbox, poll_seconds=0.2, download_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("5")
        jobs = screen.query_one(FetchJobs)
        jobs.query_one("#jobs-list", Select).value = cr.DEMO_LIST_ID
        await pilot.click("#jobs-start")
        await wait_until(pilot, lambda: jobs.jobs and jobs.jobs[1].progress is not None)
        job = jobs.jobs[1]
        assert job.running
        await wait_until(pilot, lambda: not job.running, timeout=15)
        await pilot.pause()
        assert job.result is not None, job.error
        assert job.result.archive.is_file() and job.result.archive.parent == tmp_path
        assert job.result.count == 1000
        detail = str(jobs.query_one("#jobs-detail", Static).render())
        assert "1,000 addresses" in detail and str(job.result.path) in detail
        row = jobs.query_one(DataTable).get_row("1")
        assert str(row[4]) == "complete"


async def test_fetch_job_can_be_cancelled(sandbox: Any, tmp_path: Path) -> None:
    sandbox.state.ezepo.configure(job_seconds=30.0, status_word=None, list_size=None)
    app = host(sandbox, poll_seconds=0.2, download_dir=tmp_path / "lists")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, admin=False)
        jobs = screen.query_one(FetchJobs)
        screen.query_one(TabbedContent).active = "jobs"
        jobs.query_one("#jobs-list", Select).value = cr.DEMO_LIST_ID
        jobs.action_start()
        await wait_until(pilot, lambda: jobs.jobs[1].next_poll() != "")
        jobs.query_one(DataTable).focus()
        await pilot.press("x")
        await wait_until(pilot, lambda: not jobs.jobs[1].running)
        assert jobs.jobs[1].error == "cancelled"
        assert not (tmp_path / "lists").exists()


async def test_affiliate_key_hides_admin_fields_and_tabs(sandbox: Any) -> None:
    app = host(sandbox, cr.EZEPO_AFFILIATE_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, admin=False)
        assert screen.role is Role.AFFILIATE
        assert "affiliate" in str(screen.query_one("#ezepo-status", Static).render())
        for tab in ("affiliates", "bulk", "new-list"):
            assert tab_hidden(screen, tab)
        for tab in ("lists", "link", "jobs"):
            assert not tab_hidden(screen, tab)
        table = screen.query_one("#lists-table", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels == ["List id", "Name", "Active", "Format"]
        await pilot.press("6")
        assert screen.query_one(TabbedContent).active == "lists"
        builder = screen.query_one(LinkBuilder)
        assert builder.query_one("#link-affid", Input).display
        assert not builder.query_one("#link-affiliate", Select).display


async def test_admin_sees_extras_and_masked_affiliate_keys(sandbox: Any) -> None:
    app = host(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one("#lists-table", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels[-3:] == ["Count", "Last upload", "Notes"]
        hostile = str(table.get_row_at(3)[6])
        assert "\x1b" not in hostile and "\u202e" not in hostile and "evil" in hostile
        await pilot.press("2")
        affiliates = screen.query_one("#affiliates-table", DataTable)
        affiliates.focus()
        assert str(affiliates.get_row_at(0)[3]) == "***"
        await pilot.press("v")
        assert str(affiliates.get_row_at(0)[3]) == cr.EZEPO_AFFILIATE_KEY
        await pilot.press("v")
        assert str(affiliates.get_row_at(0)[3]) == "***"


async def test_new_list_form_rejects_bad_input(sandbox: Any) -> None:
    app = host(sandbox)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            await pilot.press("6")
            form = screen.query_one(NewListForm)
            await pilot.click("#new-listid")
            await pilot.press(*"bad id!", "enter")
            errors = [str(error.render()) for error in form.query(".field-error")]
            assert errors[0].startswith("A list id is a number")
            assert errors[1].startswith("A name of")
            form.listid_field.input.value = cr.DEMO_LIST_ID
            form.name_field.input.value = "Duplicate"
            # Pressed through its API once the fields re-validated what was typed: a second click
            # within 0.2 s would hit the button while it is still `-active`, and Textual's Button
            # ignores that click.
            await wait_until(pilot, lambda: not form.query(".field-error.-shown"))
            create = form.query_one("#new-create", Button)
            create.press()
            await wait_until(
                pilot, lambda: "already exists" in str(form.query(".field-error").first().render())
            )
            form.listid_field.input.value = "9901"
            form.name_field.input.value = "Created from the UI"
            await wait_until(pilot, lambda: not form.query(".field-error.-shown"))
            create.press()
            await wait_until(pilot, lambda: any(i.listid == "9901" for i in screen.lists))
    finally:
        sandbox.state.ezepo.lists.pop("9901", None)


async def test_bulk_links_csv_written(sandbox: Any, tmp_path: Path) -> None:
    app = host(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("4")
        bulk = screen.query_one(BulkLinks)
        bulk.query_one("#bulk-list", Select).value = cr.DEMO_LIST_ID
        await pilot.click("#bulk-generate")
        await wait_until(pilot, lambda: bulk.generated_for is not None)
        assert bulk.query_one(DataTable).row_count == len(screen.affiliates)
        target = tmp_path / "links.csv"
        bulk.query_one("#bulk-path", Input).value = str(target)
        await pilot.click("#bulk-export-button")
        await wait_until(pilot, target.exists)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        with target.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert {row["affid"] for row in rows} == {a.affid for a in screen.affiliates}
        assert all(
            row["link"].startswith("http") and "/unsubscribe/" in row["link"] for row in rows
        )


def test_csv_cells_cannot_become_formulas() -> None:
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise("+x") == "'+x" and neutralise("@x") == "'@x" and neutralise("-2") == "-2"
    assert neutralise("Acme") == "Acme" and neutralise(None) == ""


@pytest.mark.parametrize("key", ["admin", "affiliate"])
def test_snapshot_ezepo_lists(snap_compare: Any, sandbox: Any, key: str) -> None:
    secret = cr.EZEPO_ADMIN_KEY if key == "admin" else cr.EZEPO_AFFILIATE_KEY
    app = host(sandbox, secret)

    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot, admin=key == "admin")
        table = screen.query_one("#lists-table", DataTable)
        await wait_until(pilot, lambda: screen.focused is table)  # its keys show in the footer
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
