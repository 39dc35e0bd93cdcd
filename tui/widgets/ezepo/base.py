"""What every Ezepo pane shares: the client, an inline error line, and failure reporting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import platformdirs
from rich.text import Text
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.api.errors import PromoTuiApiError
from tui.api.models import Affiliate, EzepoList, Role
from tui.ezepo_session import EzepoSession
from tui.paths import APP_NAME
from tui.redact import redact_text
from tui.widgets.safe_text import clean, safe_content


def default_download_dir() -> Path:
    """Where fetched lists and exported links go unless the user picks another folder."""
    return Path(platformdirs.user_downloads_dir()) / APP_NAME


def describe_error(exc: BaseException) -> str:
    """One readable line for an exception, secrets masked; never a traceback."""
    if isinstance(exc, PromoTuiApiError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"unexpected {type(exc).__name__}: {exc}"
    return clean(redact_text(text))


@asynccontextmanager
async def reporting(node: Widget, action: str, show: Callable[[str], None]) -> AsyncIterator[None]:
    """Turn an exception in the block into a notification plus `show(text)`; success clears it."""
    try:
        yield
    except Exception as exc:
        text = clean(f"{action} failed: {describe_error(exc)}")
        show(text)
        node.notify(text, title="Ezepo", severity="error", timeout=8, markup=False)
    else:
        show("")


class ErrorLine(Static):
    """The last error of a pane, in one line; empty and hidden when all is well.

    The text is never markup: it quotes servers and file names."""

    DEFAULT_CSS = """
    ErrorLine { color: $text-error; height: auto; display: none; }
    ErrorLine.-shown { display: block; }
    """

    def show(self, text: str) -> None:
        self.update(safe_content(text))
        self.set_class(bool(text), "-shown")


class EzepoPane(Vertical):
    """A tab of the Ezepo screen: runs its calls in workers and reports failures inline.

    `role`, `lists` and `affiliates` are bound to the screen's, which panes fill by messages.
    """

    role: reactive[Role | None] = reactive(None, init=False)
    lists: reactive[tuple[EzepoList, ...]] = reactive((), init=False)
    affiliates: reactive[tuple[Affiliate, ...]] = reactive((), init=False)

    def __init__(self, ezepo: EzepoSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ezepo = ezepo

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def report(self, text: str) -> None:
        """Show `text` in this pane's error line (empty clears it)."""
        for line in self.query(ErrorLine):
            line.show(text)

    def failure(self, action: str) -> AbstractAsyncContextManager[None]:
        """Report an exception in the block as a notification and in the pane's error line."""
        return reporting(self, action, self.report)

    @asynccontextmanager
    async def loading_table(self, action: str) -> AsyncIterator[None]:
        """The pane's table shows a loading indicator during the block, whose failure is
        reported; a pane removed meanwhile (the session changed) is left alone.

        Textual leaves a loading widget with the focus out of the screen's bindings and does
        not say so when it stops loading: the bindings are refreshed here, or a footer filled
        while the table loaded would go on missing the pane's keys."""
        table = self.query_one(DataTable)
        table.loading = True
        table.refresh_bindings()
        try:
            async with self.failure(action):
                yield
        finally:
            if table.is_attached:
                table.loading = False
                table.refresh_bindings()


def fill_table(
    table: DataTable[Text],
    labels: Sequence[str],
    rows: Sequence[Sequence[Text]],
    min_widths: Sequence[int] = (),
) -> None:
    """Replace a table's columns and rows, with column widths measured here.

    DataTable measures auto-width columns lazily; a paint before that keeps cells cut to the
    labels' width, so the widths are given up front (at least `min_widths`, column by column).
    """
    table.clear(columns=True)
    minimums = list(min_widths) + [0] * (len(labels) - len(min_widths))
    for index, label in enumerate(labels):
        width = max([len(label), minimums[index], *(row[index].cell_len for row in rows)])
        table.add_column(label, width=width)
    table.add_rows(rows)
