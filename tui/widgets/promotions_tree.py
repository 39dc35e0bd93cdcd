"""The account's brands and promotions as a tree; a promotion expands into its collections.

Promotions are listed once (status=all) and filtered here by status and by typed text, so the
filters cost no API call. A promotion the token may not read is shown locked, not as an error:
opening one the tree has not read yet asks for it first (`AccessNeeded`), and the answer opens
the promotion that was asked for, wherever the cursor went meanwhile (`access_checked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.api.endpoints import Collection
from tui.declarations import DECLARATIONS, PROMOTION_CHILDREN
from tui.messages import CollectionChosen, InsightsChosen, PromotionHighlighted
from tui.widgets import tcss_beside
from tui.widgets.safe_text import clean
from tui.widgets.statuses import status_of, status_style, statuses_in
from tui.widgets.words import shortened

Record = dict[str, Any]
ALL = "all"


@dataclass
class BrandData:
    brand: Record


@dataclass
class PromotionData:
    promotion: Record
    locked: bool = False

    @property
    def id(self) -> str:
        return str(self.promotion.get("id", ""))


@dataclass
class CollectionData:
    promotion_id: str
    collection: Collection
    promotion_title: str = field(default="")


@dataclass
class InsightsData:
    promotion: Record


NodeData = BrandData | PromotionData | CollectionData | InsightsData


def brand_id_of(promotion: Record) -> str:
    brand = promotion.get("organizing_brand")
    return str(brand.get("id", "")) if isinstance(brand, dict) else ""


def promotion_label(promotion: Record, locked: bool, room: int | None = None) -> Text:
    """`● Title #id` coloured by status; a lock and dim text when the token may not read it.

    In `room` cells the title is cut (with an ellipsis), never the id.
    """
    title = clean(promotion.get("title")) or "(untitled)"
    number = f" #{clean(promotion.get('id'))}"
    mark = ("🔒 ", "") if locked else ("● ", status_style(status_of(promotion)))
    tail = " locked" if locked else ""
    if room is not None:
        fixed = cell_len(mark[0]) + cell_len(number) + cell_len(tail)
        title = shortened(title, max(room - fixed, 3))
    if locked:
        return Text.assemble(mark, (title, "dim"), (number, "dim"), (tail, "dim italic"))
    return Text.assemble(mark, title, (number, "dim"))


def filters_text(status: str, newest_first: bool) -> Text:
    """What the tree shows, one line: `● paused only · oldest first  f o`."""
    if status == ALL:
        shown = Text("All statuses")
    else:
        shown = Text.assemble(("● ", status_style(status)), (f"{status} only", "bold"))
    order = "newest first" if newest_first else "oldest first"
    return Text.assemble(shown, f" · {order}  ", ("f o", "dim"))


def matches(promotion: Record, status: str, text: str) -> bool:
    """Whether a promotion passes the status filter and contains the typed text."""
    if status != ALL and status_of(promotion) != status:
        return False
    if not text:
        return True
    haystack = " ".join(
        clean(promotion.get(key)) for key in ("id", "title", "internal_ref", "status")
    )
    return text.casefold() in haystack.casefold()


class PromotionsTree(Tree[NodeData]):
    """Brands -> promotions (filtered, ordered) -> collections, expanded lazily."""

    DEFAULT_CSS = tcss_beside(__file__)

    BINDINGS = [
        Binding("f", "cycle_status", "Status filter"),
        Binding("o", "toggle_order", "Order"),
        Binding("right", "open_node", "Expand", show=False),
        Binding("left", "close_node", "Collapse", show=False),
    ]

    class AccessNeeded(Message):
        """Read this promotion to learn whether the token may see it (then `access_checked`)."""

        def __init__(self, promotion_id: str) -> None:
            super().__init__()
            self.promotion_id = promotion_id

    class TypeAhead(Message):
        """A letter typed on the tree that no binding takes: it starts the text filter (a
        carriage return: Enter typed before the filter box had the focus)."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    status_filter: reactive[str] = reactive(ALL)
    newest_first: reactive[bool] = reactive(True)
    text_filter: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Account"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self._brands: list[Record] = []
        self._promotions: list[Record] = []
        self.locked: set[str] = set()
        self.readable: set[str] = set()
        self._checking: set[str] = set()
        self._open_when_readable: set[str] = set()
        self.auto_expand = False  # Enter on a promotion goes through `open_promotion`
        self._typing_ahead = False

    # ---- data -----------------------------------------------------------------------------------

    def show(self, brands: Sequence[Record], promotions: Sequence[Record]) -> None:
        """Show the account's brands and promotions."""
        self._brands = list(brands)
        self._promotions = list(promotions)
        self.rebuild()

    @property
    def promotions(self) -> list[Record]:
        return self._promotions

    def mark_locked(self, promotion_id: str) -> None:
        """Show a promotion as locked (403) and drop its collections."""
        self.locked.add(promotion_id)
        self._open_when_readable.discard(promotion_id)
        for node in self._promotion_nodes():
            data = node.data
            if isinstance(data, PromotionData) and data.id == promotion_id:
                data.locked = True
                node.remove_children()
                node.collapse()
                node.allow_expand = False
                node.set_label(promotion_label(data.promotion, True))
                if self.cursor_node is node:
                    self.call_after_refresh(self.move_cursor, node)

    def select_promotion(self, promotion_id: str) -> bool:
        """Move the cursor to a promotion (clearing the filters) and expand it."""
        if not any(str(p.get("id")) == promotion_id for p in self._promotions):
            return False
        if self.status_filter != ALL or self.text_filter:
            self.status_filter, self.text_filter = ALL, ""
        node = self._promotion_node(promotion_id)
        if node is None:
            return False
        self.open_promotion(node)
        self.call_after_refresh(self.move_cursor, node)
        return True

    def focus_first_promotion(self) -> None:
        """Take the focus with the cursor on the first promotion shown (a submitted filter)."""
        self.focus()
        node = next(iter(self._promotion_nodes()), None)
        if node is not None:
            self.call_after_refresh(self.move_cursor, node)

    def open_promotion(self, node: TreeNode[NodeData]) -> None:
        """Expand a promotion node, once the token is known to be allowed to read it."""
        data = node.data
        if not isinstance(data, PromotionData) or data.locked:
            return
        if data.id in self.readable:
            self._expand_into_view(node)
            return
        self._open_when_readable.add(data.id)
        self._ask_access(data.id)

    def _ask_access(self, promotion_id: str) -> None:
        if promotion_id not in self._checking:
            self._checking.add(promotion_id)
            self.post_message(self.AccessNeeded(promotion_id))

    def access_checked(self, promotion_id: str, readable: bool | None) -> None:
        """The answer to `AccessNeeded`: True readable, False locked (403), None unknown.

        Opens the promotion if it was asked to open (unknown too: the cache may hold it), not
        the one under the cursor now; the cursor stays on its node.
        """
        self._checking.discard(promotion_id)
        if readable is False:
            self.mark_locked(promotion_id)
            return
        if readable:
            self.readable.add(promotion_id)
        if promotion_id in self._open_when_readable:
            self._open_when_readable.discard(promotion_id)
            node = self._promotion_node(promotion_id)
            if node is not None:
                self._expand_into_view(node)

    def _expand_into_view(self, node: TreeNode[NodeData]) -> None:
        """Expand a promotion and scroll so that its collections are on screen, it too."""
        self._add_collections(node)  # now: the scroll below must not run before NodeExpanded's
        node.expand()

        def show_children(tries: int = 3) -> None:
            last = node.children[-1].line if node.children else 0
            if not 0 <= last < self.virtual_size.height and tries:
                # Not laid out yet: a scroll to a line the tree's size does not hold yet stops
                # short (seen: the last collection two lines below the view), so wait a refresh.
                self.refresh(layout=True)
                self.call_after_refresh(show_children, tries - 1)
                return
            if node.children:
                self.scroll_to_node(node.children[-1], animate=False)
            self.scroll_to_node(node, animate=False)

        self.call_after_refresh(show_children)

    def _promotion_node(self, promotion_id: str) -> TreeNode[NodeData] | None:
        for node in self._promotion_nodes():
            if isinstance(node.data, PromotionData) and node.data.id == promotion_id:
                return node
        return None

    def _promotion_nodes(self) -> Iterable[TreeNode[NodeData]]:
        for brand_node in self.root.children:
            yield from brand_node.children

    def _visible_promotions(self, brand_id: str | None) -> list[Record]:
        chosen = [
            p
            for p in self._promotions
            if (brand_id is None or brand_id_of(p) == brand_id)
            and matches(p, self.status_filter, self.text_filter)
        ]
        chosen.sort(key=lambda p: str(p.get("created") or ""), reverse=self.newest_first)
        return chosen

    def rebuild(self) -> None:
        """Recreate brand and promotion nodes for the current filters, keeping expansions."""
        expanded = {
            data.id
            for node in self._promotion_nodes()
            if isinstance(data := node.data, PromotionData) and node.is_expanded
        }
        self.clear()
        known = {str(b.get("id", "")) for b in self._brands}
        groups: list[tuple[Record, str | None]] = [(b, str(b.get("id", ""))) for b in self._brands]
        if any(brand_id_of(p) not in known for p in self._promotions):
            groups.append(({"id": "", "name": "Other brands"}, None))
        for brand, brand_id in groups:
            promotions = self._visible_promotions(brand_id)
            if brand_id is None:
                promotions = [p for p in promotions if brand_id_of(p) not in known]
            if not promotions and (self.text_filter or self.status_filter != ALL):
                continue  # a filter hides the brands it leaves empty
            label = Text.assemble(
                (clean(brand.get("name")) or "(unnamed brand)", "bold"),
                (f"  ({len(promotions)})", "dim"),
            )
            brand_node = self.root.add(label, BrandData(brand), expand=True)
            for promotion in promotions:
                self._add_promotion(brand_node, promotion, str(promotion.get("id")) in expanded)

    def _add_promotion(self, parent: TreeNode[NodeData], promotion: Record, expand: bool) -> None:
        data = PromotionData(promotion, str(promotion.get("id", "")) in self.locked)
        label = promotion_label(promotion, data.locked)
        node = parent.add(label, data, allow_expand=not data.locked)
        if expand:
            self._add_collections(node)
            node.expand()

    @staticmethod
    def _add_collections(node: TreeNode[NodeData]) -> None:
        data = node.data
        if not isinstance(data, PromotionData) or node.children:
            return
        title = clean(data.promotion.get("title"))
        for collection in PROMOTION_CHILDREN:
            leaf = CollectionData(data.id, collection, title)
            node.add_leaf(DECLARATIONS[collection].title, leaf)
        node.add_leaf("Insights", InsightsData(data.promotion))

    # ---- filters --------------------------------------------------------------------------------

    def watch_status_filter(self) -> None:
        self.rebuild()

    def watch_newest_first(self) -> None:
        self.rebuild()

    def watch_text_filter(self) -> None:
        self.rebuild()

    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if isinstance(node.data, PromotionData) and not node.is_expanded:
            self.open_promotion(node)
        elif node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0])

    def action_close_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and isinstance(node.data, PromotionData) and not node.is_expanded:
            self.open_promotion(node)
        else:
            super().action_toggle_node()

    def action_cycle_status(self) -> None:
        """All, each documented status, then each other status the account's promotions have."""
        cycle = [ALL, *statuses_in(self._promotions)]
        following = cycle.index(self.status_filter) + 1 if self.status_filter in cycle else 0
        self.status_filter = cycle[following % len(cycle)]

    def action_toggle_order(self) -> None:
        self.newest_first = not self.newest_first

    # ---- rendering ------------------------------------------------------------------------------

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        """A promotion's label fits the tree's width: its title is cut, never its `#id`."""
        text = super().render_label(node, base_style, style)
        data = node.data
        if not isinstance(data, PromotionData):
            return text
        icon = text[: len(text) - len(node.label)]
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth - icon.cell_len
        label = promotion_label(data.promotion, data.locked, room if room > 0 else None)
        label.stylize(style)
        return icon + label

    # ---- events ---------------------------------------------------------------------------------

    async def on_key(self, event: events.Key) -> None:
        """A letter or digit no binding takes starts the type-ahead filter; the printable keys
        that follow it before the filter has the focus belong to it too, bound or not (typing
        `480101` fast must not let `1` move the focus, nor `Brand New` lose its space)."""
        character = event.character
        if self._typing_ahead and event.key == "enter":  # typed fast: Enter ends the filter
            event.stop()
            event.prevent_default()
            self.post_message(self.TypeAhead("\r"))
            self._typing_ahead = False
            return
        if (
            character is not None
            and event.is_printable
            and (
                self._typing_ahead
                or (character.isalnum() and event.key not in self.screen.active_bindings)
            )
        ):
            event.stop()
            event.prevent_default()
            self._typing_ahead = True
            self.post_message(self.TypeAhead(character))

    def on_focus(self) -> None:
        self._typing_ahead = False

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, PromotionData) and data.id not in self.readable:
            self._ask_access(data.id)  # expanded some other way (expand all): check it now
        self._add_collections(event.node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, PromotionData):
            self.post_message(PromotionHighlighted(data.promotion))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, PromotionData):
            if event.node.is_expanded:
                event.node.collapse()
            else:
                self.open_promotion(event.node)
        elif isinstance(data, BrandData):
            event.node.toggle()
        elif isinstance(data, CollectionData):
            title = f"{data.promotion_title} · {DECLARATIONS[data.collection].title}"
            self.post_message(CollectionChosen(data.promotion_id, data.collection, title))
        elif isinstance(data, InsightsData):
            self.post_message(InsightsChosen(data.promotion))
