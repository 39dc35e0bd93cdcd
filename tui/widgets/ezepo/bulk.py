"""Bulk links (admin): one list's link for every affiliate, in a table, exported as CSV."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.content import Content
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from tui.api.models import Affiliate, LinkType, Source
from tui.csv_cells import write_csv
from tui.ezepo_session import EzepoSession
from tui.redact import Secret
from tui.widgets.ezepo.base import (
    ErrorLine,
    EzepoPane,
    default_download_dir,
    describe_error,
    fill_table,
)
from tui.widgets.ezepo.choices import LINK_TYPES, SOURCES, list_options, refill
from tui.widgets.safe_text import clean, safe_content, safe_text

CONCURRENCY = 4
BULK_COLUMNS = ("Affiliate id", "Name", "Link")
CSV_HEADER = ("affid", "name", "source", "listid", "link_type", "link", "error")


@dataclass(frozen=True)
class BulkRow:
    """One affiliate's link, or why there is none."""

    affiliate: Affiliate
    link: Secret | None
    error: str = ""


class BulkLinks(EzepoPane):
    """Generates the links with a few calls at a time; `e` (or Enter in the path) writes the CSV."""

    BINDINGS = [
        Binding("g", "generate", "Generate links"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(
        self, ezepo: EzepoSession, *, download_dir: Path | None = None, id: str | None = None
    ) -> None:
        super().__init__(ezepo, id=id)
        self.download_dir = download_dir or default_download_dir()
        self.rows: list[BulkRow] = []
        self.generated_for: tuple[str, Source, LinkType] | None = None

    def compose(self) -> ComposeResult:
        with Grid(id="bulk-form", classes="form-grid"):
            yield Label("List")
            yield Select[str]([], prompt="Choose a list", id="bulk-list")
            yield Label("Source")
            yield Select(SOURCES, value=Source.INTERNAL, allow_blank=False, id="bulk-source")
            yield Label("Link type")
            yield Select(LINK_TYPES, value=LinkType.UNSUB, allow_blank=False, id="bulk-type")
        yield Button("Generate for all affiliates", id="bulk-generate")
        yield ErrorLine()
        yield Static("", id="bulk-progress", markup=False)
        table: DataTable[Text] = DataTable(id="bulk-table", cursor_type="row")
        table.add_columns(*BULK_COLUMNS)
        yield table
        with Horizontal(id="bulk-export"):
            yield Input(placeholder="CSV file path", id="bulk-path")
            yield Button("Export CSV", id="bulk-export-button")

    def watch_lists(self) -> None:
        refill(self.query_one("#bulk-list", Select), list_options(self.lists))

    @on(Button.Pressed, "#bulk-generate")
    def action_generate(self) -> None:
        listid = self.query_one("#bulk-list", Select).selection
        if listid is None:
            self.report("Choose a list first.")
            return
        source = self.query_one("#bulk-source", Select).selection or Source.INTERNAL
        link_type = self.query_one("#bulk-type", Select).selection or LinkType.UNSUB
        self.generate(listid, source, link_type)

    @work(exclusive=True, group="bulk")
    async def generate(self, listid: str, source: Source, link_type: LinkType) -> None:
        """Fetch the affiliates if needed, then each one's link, filling the table as they come."""
        table = self.query_one(DataTable)
        table.clear()
        self.rows = []
        self.generated_for = None
        progress = self.query_one("#bulk-progress", Static)
        affiliates: list[Affiliate] = list(self.affiliates)
        async with self.failure("Loading affiliates"):
            affiliates = affiliates or await self.ezepo.affiliates()
        if not affiliates:
            progress.update("No affiliates.")
            return
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(affiliate: Affiliate) -> BulkRow:
            async with limit:
                try:
                    link = await self.ezepo.link(affiliate.affid, source, listid, link_type)
                except Exception as exc:
                    return BulkRow(affiliate, None, describe_error(exc))
                return BulkRow(affiliate, Secret(link))

        for done, task in enumerate(asyncio.as_completed([one(a) for a in affiliates]), 1):
            row = await task
            self.rows.append(row)
            table.add_row(*self._cells(row))
            progress.update(Content(f"{done} of {len(affiliates)} links"))
        self.rows.sort(key=lambda row: row.affiliate.affid)
        fill_table(table, BULK_COLUMNS, [self._cells(row) for row in self.rows])
        failed = sum(1 for row in self.rows if row.link is None)
        progress.update(safe_content(f"{len(self.rows)} links for list {listid}, {failed} failed"))
        self.generated_for = (listid, source, link_type)
        path = self.query_one("#bulk-path", Input)
        if not path.value:
            name = f"ezepo-{link_type.value}-links-{clean(listid)}.csv"
            path.value = str(self.download_dir / name)

    @staticmethod
    def _cells(row: BulkRow) -> list[Text]:
        link = safe_text(row.link.reveal()) if row.link else Text(row.error, "red")
        return [safe_text(row.affiliate.affid), safe_text(row.affiliate.name), link]

    @on(Button.Pressed, "#bulk-export-button")
    @on(Input.Submitted, "#bulk-path")
    def action_export(self) -> None:
        if self.generated_for is None:
            self.report("Generate the links first.")
            return
        raw_path = self.query_one("#bulk-path", Input).value.strip()
        if not raw_path:
            self.report("Enter the path of the CSV file.")
            return
        listid, source, link_type = self.generated_for
        rows = [
            (
                row.affiliate.affid,
                row.affiliate.name,
                source.label,
                listid,
                link_type.value,
                row.link.reveal() if row.link else "",
                row.error,
            )
            for row in self.rows
        ]
        try:
            count = write_csv(Path(raw_path), CSV_HEADER, rows)
        except OSError as exc:
            self.report(f"Export failed: {clean(exc.strerror or exc)}")
            return
        self.report("")
        self.notify(clean(f"{count} links written to {raw_path}"), markup=False)
