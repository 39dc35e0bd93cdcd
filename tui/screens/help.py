"""The help screen: every key binding, read from the BINDINGS of the app and screens; a how-to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from tui.screens.ezepo import EzepoScreen
from tui.screens.insights import InsightsScreen
from tui.screens.setup import SetupScreen
from tui.widgets.collection_view import CollectionView
from tui.widgets.detail_pane import DetailPane
from tui.widgets.ezepo.affiliates import AffiliatesPane
from tui.widgets.ezepo.bulk import BulkLinks
from tui.widgets.ezepo.jobs import FetchJobs
from tui.widgets.ezepo.link_builder import LinkBuilder
from tui.widgets.ezepo.lists import ListsPane
from tui.widgets.ezepo.new_list import NewListForm
from tui.widgets.footer import KeysFooter
from tui.widgets.promotions_tree import PromotionsTree
from tui.widgets.virtual_table import VirtualTable

HOW_TO = """\
## How to

- **Move** between panes with `Tab` / `Shift+Tab`, or click; tables scroll with the arrows,
  `PgUp`/`PgDn`, `Home`/`End`. `Ctrl+P` opens the command palette with every action.
- **Copy an unsubscribe link**: open the Ezepo screen, *Link builder* tab, choose the affiliate,
  source, list and link type; the link appears at once, `c` copies it. Over SSH the copy goes
  through your terminal (OSC 52); if nothing could copy it, the link is shown selected for a manual
  copy.
- **Fetch a suppression list**: *Fetch jobs* tab, choose the list and format, Start. Jobs run in
  the background (several at once); the table shows status, elapsed time and the next poll; `x`
  cancels the selected job.
- **See a promotion at a glance**: its *Insights* node in the tree (or `Ctrl+P`, Insights):
  charts per day in the promotion's timezone and tables, counted in the cache; `l` loads what
  is not cached yet.
- **Credentials** live in the config file (mode 0600). The setup screen edits them, tests them
  and saves; `EASYPROMOS_TOKEN`, `EASYPROMOS_API_URL`, `EZEPO_ENDPOINT`, `EZEPO_KEY` win over it.
"""

Section = tuple[str, list[type[DOMNode]]]

# Screens that may not be open now, with the panes whose keys they add.
GUIDES: tuple[tuple[str, tuple[type[DOMNode], ...]], ...] = (
    (
        "Ezepo screen",
        (EzepoScreen, ListsPane, AffiliatesPane, LinkBuilder, BulkLinks, FetchJobs, NewListForm),
    ),
    ("Insights screen", (InsightsScreen,)),
    ("Setup screen", (SetupScreen,)),
)

PLACES: dict[type[DOMNode], str] = {
    PromotionsTree: "promotions tree (1)",
    CollectionView: "table (2)",
    VirtualTable: "table (2)",
    DetailPane: "detail pane (3)",
    ListsPane: "Lists tab",
    AffiliatesPane: "Affiliates tab",
    LinkBuilder: "Link builder tab",
    BulkLinks: "Bulk links tab",
    FetchJobs: "Fetch jobs tab",
    NewListForm: "New list tab",
}
"""Where a pane's keys work: each gets a section of its own (`r` on the table and `r` on the
Lists tab are different keys)."""


def by_place(title: str, classes: Sequence[type[DOMNode]]) -> list[Section]:
    """`title`'s section for the screen's own keys, then one per pane (`title · place`)."""
    sections: dict[str, list[type[DOMNode]]] = {title: []}
    for cls in classes:
        place = PLACES.get(cls)
        sections.setdefault(f"{title} · {place}" if place else title, []).append(cls)
    return [(name, members) for name, members in sections.items() if members]


def class_bindings(cls: type[DOMNode], *, inherited: bool = False) -> list[Binding]:
    """The bindings a class declares, most specific first, each key once.

    Bindings inherited from Textual's classes (focus moves, text copy) are included only when
    `inherited` is set, so that each screen lists what it adds.
    """
    seen: set[str] = set()
    bindings: list[Binding] = []
    for klass in cls.__mro__:
        if not (inherited or klass is cls or klass.__module__.startswith("tui.")):
            continue
        for binding in Binding.make_bindings(vars(klass).get("BINDINGS", [])):
            if binding.key not in seen and binding.description:
                seen.add(binding.key)
                bindings.append(binding)
    return bindings


def binding_table(app: App[object], classes: Iterable[type[DOMNode]]) -> Table | None:
    """A two-column table (keys, action) of the classes' bindings; keys of one action joined."""
    rows: dict[str, list[str]] = {}
    for cls in classes:
        for binding in class_bindings(cls, inherited=issubclass(cls, App)):
            keys = rows.setdefault(binding.description, [])
            shown = app.get_key_display(binding)
            if shown not in keys:
                keys.append(shown)
    if not rows:
        return None
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for description, keys in rows.items():
        table.add_row(" / ".join(keys), description)
    return table


def open_sections(app: App[object], below: Sequence[Screen[object]]) -> list[Section]:
    """The app's bindings, then each open screen's with those of our widgets on it."""
    sections: list[Section] = [("Everywhere", [type(app)])]
    for screen in reversed(below):
        classes: list[type[DOMNode]] = [type(screen)]
        for node in screen.walk_children():
            if type(node).__module__.startswith("tui.") and type(node) not in classes:
                classes.append(type(node))
        title = screen.title or type(screen).__name__
        sections += by_place(f"{title} (open)", classes)
    return sections


class HelpScreen(ModalScreen[None]):
    """Keys of the app and of every screen, then a short how-to; any of Esc, q, ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close help"),
        Binding("q", "close", "Close help", show=False),
        Binding("question_mark", "close", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        below = [screen for screen in self.app.screen_stack if screen is not self]
        sections = open_sections(self.app, below)
        shown = {cls for _, classes in sections for cls in classes}
        for guide, guide_classes in GUIDES:
            missing = [cls for cls in guide_classes if cls not in shown]
            if missing:
                sections += by_place(guide, missing)
        with VerticalScroll(id="help-body"):
            yield Static("Keys", classes="help-title")
            for title, classes in sections:
                table = binding_table(self.app, classes)
                if table is not None:
                    yield Static(title, classes="help-section", markup=False)
                    yield Static(table, classes="help-table", markup=False)
            yield Markdown(HOW_TO, id="help-howto")
        yield KeysFooter()

    def action_close(self) -> None:
        self.dismiss()
