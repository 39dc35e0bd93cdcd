"""Fetch jobs: several list fetches at once; live status, elapsed time, next-poll countdown."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker

from tui.api.fetchjob import FetchProgress, FetchResult, Phase
from tui.api.models import ListFormat
from tui.ezepo_session import EzepoSession
from tui.widgets.ezepo.base import ErrorLine, EzepoPane, default_download_dir, describe_error
from tui.widgets.ezepo.choices import FORMATS, labelled, list_options, refill
from tui.widgets.safe_text import clean, safe_content, safe_text
from tui.widgets.words import shortened

COLUMNS = ("#", "List", "Format", "Job id", "Status", "Elapsed", "Next poll", "Result")


def duration(seconds: float) -> str:
    """`42s`, `3m 07s`, `1h 02m`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


SUMMARY_CELLS = 48
"""The result column's width: a longer result or failure is cut with an ellipsis (the line under
the table shows it whole)."""


@dataclass
class FetchJob:
    """What the table shows of one fetch; updated from its worker's progress."""

    number: int
    listid: str
    list_name: str
    kind: ListFormat
    dest_dir: Path
    started: float = field(default_factory=time.time)
    progress: FetchProgress | None = None
    result: FetchResult | None = None
    error: str = ""
    finished: float | None = None
    worker: Worker[None] | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    def status(self) -> Text:
        if self.result is not None:
            return Text("complete", "green")
        if self.error:
            return Text("cancelled" if self.error == "cancelled" else "failed", "red")
        if self.progress is None:
            return Text("starting")
        if self.progress.phase is Phase.WAITING:
            failures = self.progress.poll_failures
            word = clean(self.progress.status or "waiting")
            return Text(f"{word} ({failures} failed polls)" if failures else word, "yellow")
        if self.progress.phase is Phase.DOWNLOADING:
            return Text(f"downloading {self.progress.bytes_downloaded / 1e6:.1f} MB")
        return Text(self.progress.phase.value)

    def elapsed(self) -> str:
        return duration((self.finished or time.time()) - self.started)

    def next_poll(self) -> str:
        progress = self.progress
        if not self.running or progress is None or progress.phase is not Phase.WAITING:
            return ""
        if progress.next_poll_at is None:
            return ""
        return f"in {duration(progress.next_poll_at - time.time())}"

    def summary(self) -> str:
        if self.result is not None:
            noun = "addresses" if self.result.kind is ListFormat.TXT else "hashes"
            return f"{self.result.count:,} {noun} in {self.result.path}"
        return self.error

    def cells(self) -> list[str | Text]:
        jobid = self.progress.jobid if self.progress and self.progress.jobid else ""
        return [
            str(self.number),
            labelled(self.list_name, self.listid),
            self.kind.value,
            safe_text(jobid),
            self.status(),
            self.elapsed(),
            self.next_poll(),
            safe_text(shortened(clean(self.summary()), SUMMARY_CELLS)),
        ]


class JobChanged(Message):
    """A job's progress, result or failure changed."""

    def __init__(self, job: FetchJob) -> None:
        super().__init__()
        self.job = job


class FetchJobs(EzepoPane):
    """Start fetches (`s`), watch them, cancel the selected one (`x`); results land on disk."""

    BINDINGS = [
        Binding("s", "start", "Start fetch"),
        Binding("x", "cancel", "Cancel job"),
    ]

    def __init__(
        self,
        ezepo: EzepoSession,
        *,
        poll_seconds: float = 30.0,
        download_dir: Path | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(ezepo, id=id)
        self.poll_seconds = poll_seconds
        self.download_dir = download_dir or default_download_dir()
        self.jobs: dict[int, FetchJob] = {}

    def compose(self) -> ComposeResult:
        with Grid(id="jobs-form", classes="form-grid"):
            yield Label("List")
            yield Select[str]([], prompt="Choose a list", id="jobs-list")
            yield Label("Format")
            yield Select(FORMATS, value=ListFormat.TXT, allow_blank=False, id="jobs-format")
            yield Label("Save into")
            yield Input(str(self.download_dir), id="jobs-dir")
        yield Button("Start fetch", id="jobs-start", variant="primary")
        yield ErrorLine()
        table: DataTable[str | Text] = DataTable(id="jobs-table", cursor_type="row")
        for name in COLUMNS:
            table.add_column(name, key=name)
        yield table
        yield Static("", id="jobs-detail", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def watch_lists(self) -> None:
        refill(self.query_one("#jobs-list", Select), list_options(self.lists))

    @on(Button.Pressed, "#jobs-start")
    @on(Input.Submitted, "#jobs-dir")
    def action_start(self) -> None:
        listid = self.query_one("#jobs-list", Select).selection
        folder = self.query_one("#jobs-dir", Input).value.strip()
        if listid is None:
            self.report("Choose a list first.")
            return
        if not folder:
            self.report("Enter the folder to save the list into.")
            return
        kind = self.query_one("#jobs-format", Select).selection or ListFormat.TXT
        name = next((item.name for item in self.lists if item.listid == listid), None)
        job = FetchJob(len(self.jobs) + 1, listid, name or "", kind, Path(folder).expanduser())
        self.jobs[job.number] = job
        self.query_one(DataTable).add_row(*job.cells(), key=str(job.number))
        self.report("")
        job.worker = self.fetch(job)

    def action_cancel(self) -> None:
        job = self._selected()
        if job is None or not job.running or job.worker is None:
            self.notify("No running job selected", severity="warning")
            return
        job.worker.cancel()

    @work(group="fetch")
    async def fetch(self, job: FetchJob) -> None:
        """Run one job to the end; progress, result and failure are posted as messages."""

        def progress(update: FetchProgress) -> None:
            job.progress = update
            self.post_message(JobChanged(job))

        try:
            job.result = await self.ezepo.fetch_list(
                job.listid,
                job.kind,
                job.dest_dir,
                poll_seconds=self.poll_seconds,
                on_progress=progress,
            )
        except asyncio.CancelledError:
            job.error = "cancelled"
            self.notify(clean(f"Fetch of list {job.listid} cancelled"), markup=False)
            raise
        except Exception as exc:
            job.error = describe_error(exc)
            failed = clean(f"Fetch of list {job.listid} failed: {job.error}")
            self.notify(failed, severity="error", markup=False)
        else:
            self.notify(clean(f"List {job.listid} fetched: {job.summary()}"), markup=False)
        finally:
            job.finished = time.time()
            self.post_message(JobChanged(job))

    @on(JobChanged)
    def _job_changed(self, message: JobChanged) -> None:
        self._show(message.job)

    @on(DataTable.RowHighlighted, "#jobs-table")
    def _row_highlighted(self) -> None:
        job = self._selected()
        if job is not None:
            self._detail(job)

    def _selected(self) -> FetchJob | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.jobs.get(int(row_key.value or 0))

    def _show(self, job: FetchJob) -> None:
        table = self.query_one(DataTable)
        for column, value in zip(COLUMNS, job.cells(), strict=True):
            table.update_cell(str(job.number), column, value, update_width=True)
        if self._selected() is job:
            self._detail(job)

    def _detail(self, job: FetchJob) -> None:
        lines = [f"Job {job.number}: list {job.listid} ({job.kind.value}), {job.elapsed()}"]
        if job.result is not None:
            lines.append(f"{job.summary()} ({len(job.result.files)} file(s))")
            lines.append(f"Zip: {job.result.archive}")
        elif job.error:
            lines.append(job.error)
        else:
            lines.append(f"Saving into {job.dest_dir}")
        self.query_one("#jobs-detail", Static).update(
            safe_content("\n".join(lines), single_line=False)
        )

    def _tick(self) -> None:
        """Refresh elapsed time and countdown of running jobs."""
        for job in self.jobs.values():
            if job.running:
                self._show(job)
