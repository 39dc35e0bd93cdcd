"""The selected record in full; for a user also their coin balance, transactions and cached
participations (loaded in a worker); for any record with a user, a key to open that user.

The pane is a line-API scroll view: a new record is rendered to lines once, at the pane's width,
and its height changes the scrollable size only, so moving through a table never lays out the
screen again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from tui.api.endpoints import Collection
from tui.api.errors import NetworkError
from tui.declarations import DECLARATIONS, short_time
from tui.messages import AddCoins, ApiFailed
from tui.session import session_of
from tui.widgets import tcss_beside
from tui.widgets.record_view import record_table
from tui.widgets.safe_text import clean
from tui.widgets.textual_seam import set_virtual_size

Record = dict[str, Any]
RELATED_ROWS = 10


@dataclass(frozen=True)
class Shown:
    """What the pane shows: a record of a collection of a promotion."""

    promotion_id: str
    collection: Collection
    record: Record

    @property
    def user_id(self) -> str | None:
        return DECLARATIONS[self.collection].user_of(self.record)


def transaction_line(transaction: Record) -> Content:
    """`2024-05-01 10:00  +50 → 120  concept` for one coin transaction (raw or wrapped)."""
    inner = transaction.get("transaction", transaction)
    amount = inner.get("amount")
    sign = "+" if isinstance(amount, (int, float)) and amount > 0 else ""
    concept = inner.get("concept") or inner.get("reason")
    return Content.assemble(
        (clean(short_time(inner.get("created"))).ljust(17), "$text-muted"),
        (f"{sign}{clean(amount)}".rjust(7), "$success" if sign else "$error"),
        f" → {clean(inner.get('balance'))}  ",
        clean(concept),
    )


def participation_line(participation: Record) -> Content:
    """`#id  stage 3  12 pts  2024-05-01 10:00` for one participation."""
    return Content.assemble(
        (f"#{clean(participation.get('id'))}".ljust(10), "bold"),
        f"stage {clean(participation.get('stage_id'))}  ",
        f"{clean(participation.get('points'))} pts  ",
        (clean(short_time(participation.get("created"))), "$text-muted"),
    )


class DetailPane(ScrollView, can_focus=True):
    """Shows one record; `u` opens its user, `c` adds coins to that user, backspace goes back;
    `i` switches timestamps between the short local form and the API's ISO text."""

    DEFAULT_CSS = tcss_beside(__file__)

    BINDINGS = [
        Binding("u", "open_user", "User"),
        Binding("c", "add_coins", "Add coins"),
        Binding("backspace", "back", "Back"),
        Binding("i", "toggle_iso", "ISO times"),
    ]

    class Left(Message):
        """Backspace with no record to go back to: the focus goes back to the previous pane."""

    shown: reactive[Shown | None] = reactive(None, init=False)
    iso_times: reactive[bool] = reactive(False, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._history: list[Shown] = []
        self._title = Content()
        self._body: Content = Content.styled("Select a record to see it here.", "$text-muted")
        self._related = Content()
        self._lines: list[Strip] = []
        self._lines_width = -1
        self._lines_stale = False

    @property
    def text(self) -> str:
        """What the pane shows, as plain text (title, record, related lines)."""
        return "\n".join(line.text.rstrip() for line in self._lines)

    @property
    def related_text(self) -> str:
        """The related lines (balance, transactions, participations, hints) as plain text."""
        return self._related.plain

    # ---- rendering ------------------------------------------------------------------------------

    def _set(
        self,
        *,
        title: Content | None = None,
        body: Content | None = None,
        related: Content | None = None,
    ) -> None:
        """Replace some sections and render the pane's lines again."""
        self._title = self._title if title is None else title
        self._body = self._body if body is None else body
        self._related = self._related if related is None else related
        self._layout_lines()

    def _render_sections(self, width: int) -> list[Strip]:
        style = self.visual_style
        lines: list[Strip] = []
        for section in (self._title, self._body, self._related):
            if not section:
                continue
            if lines:
                lines.append(Strip.blank(width, style.rich_style))
            lines += Visual.to_strips(self, section, width, None, style, pad=True)
        return lines

    def _layout_lines(self) -> None:
        """Render the lines at the current width; the scrollable height follows (no layout)."""
        width = self.scrollable_content_region.width
        self._lines = self._render_sections(width) if width > 0 else []
        self._lines_width, self._lines_stale = width, False
        size = Size(width, len(self._lines))
        if size != self.virtual_size:
            set_virtual_size(self, size)
        self.refresh()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._lines_width:
            if self.shown is not None:  # the record's grid depends on the width
                self._body = self._record_body(self.shown)
            self._layout_lines()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines_stale = True  # same width, same height: only the colours change
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._lines_stale and self._lines_width > 0:
            self._lines = self._render_sections(self._lines_width)
            self._lines_stale = False
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index < len(self._lines):
            return self._lines[index].crop_extend(scroll_x, scroll_x + width, None)
        return Strip.blank(width, self.visual_style.rich_style)

    # ---- showing --------------------------------------------------------------------------------

    def show(self, promotion_id: str, collection: Collection, record: Record | None) -> None:
        """Show a record (None clears the pane); starts loading what relates to it."""
        if record is None:
            return
        shown = Shown(promotion_id, collection, record)
        if shown == self.shown:
            return  # the same record read again (the table re-queried)
        if self.shown is not None and self.shown.record is not record:
            self._history = [*self._history[-19:], self.shown]
        self.shown = shown

    def watch_shown(self, shown: Shown | None) -> None:
        self.workers.cancel_group(self, "detail")
        self.set_class(shown is not None, "-showing")
        if shown is None:
            return
        declaration = DECLARATIONS[shown.collection]
        singular = declaration.title.rstrip("s")
        record_id = declaration.id_of(shown.record)  # a ranking row: else its user's id, position
        user_id = shown.user_id
        if shown.collection is Collection.USERS and user_id:
            related = Content.styled("Loading balance and transactions…", "$text-muted")
            self._load_user_extras(shown.promotion_id, user_id)
        elif user_id:
            related = Content.styled(f"User {user_id} · u opens it", "$text-muted")
        else:
            related = Content()
        self._set(
            title=Content.styled(f"{singular} #{clean(record_id)}", "bold $accent")
            if record_id
            else Content.styled(singular, "bold $accent"),
            body=self._record_body(shown),
            related=related,
        )
        self.scroll_home(animate=False)

    def _record_body(self, shown: Shown) -> Content:
        width = self.scrollable_content_region.width
        return record_table(shown.record, width=width or 60, iso=self.iso_times)

    def watch_iso_times(self) -> None:
        if self.shown is not None:
            self._set(body=self._record_body(self.shown))

    def refresh_user(self, promotion_id: str, user_id: str) -> None:
        """Load a user's balance again if that user is shown (after a coin transaction)."""
        shown = self.shown
        if (
            shown is not None
            and shown.collection is Collection.USERS
            and shown.promotion_id == promotion_id
            and shown.user_id == user_id
        ):
            self._load_user_extras(promotion_id, user_id)

    def _say(self, content: Content) -> None:
        self._set(related=content)

    @work(exclusive=True, group="detail")
    async def _load_user_extras(self, promotion_id: str, user_id: str) -> None:
        session = session_of(self)
        lines: list[Content] = []
        try:
            transactions = await session.user_transactions(promotion_id, user_id)
        except NetworkError:  # offline: the status bar says so already
            lines.append(Content.styled("Coin balance: not available offline", "$text-muted"))
        except Exception as error:  # an API error: shown inline and notified
            self.post_message(ApiFailed(error, f"Transactions of user {user_id}: "))
            lines.append(Content.styled(f"Transactions: {clean(error)}", "$error"))
        else:
            balance = session.balance_of(transactions)
            lines.append(Content.styled(f"Coin balance: {clean(balance)}", "bold"))
            lines.append(Content.styled(f"Coin transactions ({len(transactions)})", "$accent"))
            lines += [transaction_line(t) for t in transactions[:RELATED_ROWS]]
        count, participations = await session.user_participations(
            promotion_id, user_id, RELATED_ROWS
        )
        if count is None:
            lines.append(Content.styled("Participations: not cached yet", "$text-muted"))
        else:
            lines.append(Content.styled(f"Participations ({count} cached)", "$accent"))
            lines += [participation_line(p) for p in participations]
        back = "backspace: the record before" if self._history else "backspace: back to the table"
        lines.append(Content.styled(f"c adds coins · {back}", "$text-muted"))
        self._say(Content("\n").join(lines))

    @work(exclusive=True, group="detail")
    async def _open_user(self, promotion_id: str, user_id: str) -> None:
        self._say(Content.styled(f"Opening user {user_id}…", "$text-muted"))
        try:
            user = await session_of(self).user(promotion_id, user_id)
        except Exception as error:
            self.post_message(ApiFailed(error, f"User {user_id}: "))
            self._say(Content.styled(clean(error), "$error"))
            return
        self.show(promotion_id, Collection.USERS, user)

    # ---- actions --------------------------------------------------------------------------------

    def _user_id(self) -> str | None:
        shown = self.shown
        return shown.user_id if shown else None

    def open_user(self, promotion_id: str, user_id: str) -> None:
        """Show a user (from the cache, else read), with their balance and transactions."""
        shown = self.shown
        if not (
            shown is not None and shown.collection is Collection.USERS and shown.user_id == user_id
        ):
            self._open_user(promotion_id, user_id)

    def action_open_user(self) -> None:
        shown, user_id = self.shown, self._user_id()
        if shown is None or user_id is None:
            self.notify("This record has no user", severity="warning")
        else:
            self.open_user(shown.promotion_id, user_id)

    def action_add_coins(self) -> None:
        if self.shown is not None:
            self.post_message(AddCoins(self.shown.promotion_id, self._user_id()))

    def action_toggle_iso(self) -> None:
        self.iso_times = not self.iso_times

    def action_back(self) -> None:
        """The record shown before; with none, the focus goes back to the table (or tree)."""
        if self._history:
            self.shown = self._history.pop()
        else:
            self.post_message(self.Left())
