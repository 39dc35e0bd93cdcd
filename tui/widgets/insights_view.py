"""A promotion's figures on screen: three charts (textual-plotext) and the tables beside them.

`show(insights)` draws a `tui.store.insights.Insights`; nothing here reads the cache. Charts
plot the period's index on x (a few dates labelled), bars while the periods fit the width,
lines beyond, periods summed N at a time when there are more than cells (`Chart`); the
promotion's start and end are vertical lines where they fall. Names in the tables are outside
text: cleaned, never markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui.store.insights import Insights, Period, Ranked, Share
from tui.widgets import tcss_beside
from tui.widgets.safe_text import clean
from tui.widgets.words import shortened

START_COLOR, END_COLOR = "green", "red"
TICKS = 4  # spaces between date labels under a chart, at most
TICK_CELLS = 22  # and at least this many cells each (plotext moves labels that touch)
PLOT_MARGIN = 10  # cells of a chart that are not its plot (y labels, frame)
MIN_POINTS = 10
Y_TICKS = 4
Y_LABEL_CELLS = 6
NAME_CELLS = 18
SHARES = 12  # rows of a share table; the rest are summed in one


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


class InsightsView(Vertical):
    """Charts on the left (stacked on a narrow screen), tables on the right (or below)."""

    DEFAULT_CSS = tcss_beside(__file__)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="insights-body"):
            with Vertical(id="insights-charts"):
                for name in ("participations", "users", "coins"):  # drawn once counted
                    yield Chart(id=f"chart-{name}", classes="chart -empty")
            with VerticalScroll(id="insights-tables"):
                yield Static(id="table-totals", classes="insights-table")
                yield Static(id="table-balance", classes="insights-table")
                yield Static(id="table-participations", classes="insights-table")
                yield Static(id="table-status", classes="insights-table")
                yield Static(id="table-country", classes="insights-table")

    def show(self, found: Insights) -> None:
        """Draw the figures: charts and tables."""
        charts: list[tuple[str, str, str, list[tuple[str | None, str]]]] = [
            (
                "#chart-participations",
                "Participations",
                "participations",
                [(None, "participations")],
            ),
            ("#chart-users", "New users", "users", [(None, "new_users")]),
            (
                "#chart-coins",
                "Coins added, removed",
                "coin_transactions",
                [("added", "coins_added"), ("removed", "coins_removed")],
            ),
        ]
        for selector, title, collection, series in charts:
            chart = self.query_one(selector, Chart)
            chart.remove_class("-empty")
            chart.draw(title, series, found, cached=found.coverage[collection].cached > 0)
        self._table("#table-totals", _totals(found))
        self._table(
            "#table-balance", _ranking("Top 10 by coin balance", "balance", found.top_balance)
        )
        self._table(
            "#table-participations",
            _ranking("Top 10 by participations", "entries", found.top_participations),
        )
        self._table("#table-status", _shares("Participations by user status", found.by_status))
        self._table("#table-country", _shares("Participations by user country", found.by_country))

    def _table(self, selector: str, table: Text) -> None:
        self.query_one(selector, Static).update(table)


class Chart(PlotextPlot):
    """One chart of the periods, laid out for its width when it renders: periods are summed
    `size` at a time when there are more than it has cells (plotext's time grows with the
    points: 2,400 days took 170 ms a chart), a date label every TICK_CELLS at most."""

    def __init__(self, *, id: str, classes: str) -> None:
        super().__init__(id=id, classes=classes)
        self._what: tuple[str, list[tuple[str | None, str]], Insights, bool] | None = None
        self._built_for: tuple[int, int] | None = None  # (width, id of what was drawn)

    def draw(
        self, title: str, series: list[tuple[str | None, str]], found: Insights, *, cached: bool
    ) -> None:
        """What to plot (`cached`: the chart's collection has records in the cache)."""
        self._what = (title, series, found, cached)
        self.refresh()

    def render(self) -> RenderResult:
        key = (self.size.width, id(self._what))
        if self._what is not None and key != self._built_for:
            self._built_for = key
            self._build(*self._what)
        return super().render()

    def _build(
        self, title: str, series: list[tuple[str | None, str]], found: Insights, cached: bool
    ) -> None:
        plt = self.plt
        plt.clear_figure()
        periods = found.periods
        if not periods or not cached:
            plt.title(f"{title}: not cached (l loads)")
            return
        width = self.size.width
        size = math.ceil(len(periods) / max(width - PLOT_MARGIN, MIN_POINTS))
        bins = [periods[i : i + size] for i in range(0, len(periods), size)]
        span = found.by if size == 1 else f"{size} {found.by}s"
        plt.title(f"{title} per {span}")
        xs = list(range(len(bins)))
        columns = [
            (label, [sum(getattr(p, field) for p in b) for b in bins]) for label, field in series
        ]
        bars = len(bins) <= max(width // 3, 12)
        for (label, ys), color in zip(columns, ("cyan", "magenta"), strict=False):
            if bars and len(columns) == 1:
                plt.bar(xs, ys, color=color, width=0.8)
            else:
                plt.plot(xs, ys, color=color, label=label, marker="braille")
        firsts = [b[0] for b in bins]
        ticks, labels = _ticks(firsts, max(1, min(TICKS, width // TICK_CELLS)))
        plt.xticks(list(map(float, ticks)), labels)
        top = max(1, *(max(ys, default=0) for _, ys in columns))
        plt.ylim(0, top)
        # Labels of one width on every chart: plotext lays the x labels out after the y
        # labels, and one chart's layout must not depend on another's (they share state).
        steps = [top * i / Y_TICKS for i in range(Y_TICKS + 1)]
        plt.yticks(steps, [_amount(v).rjust(Y_LABEL_CELLS) for v in steps])
        for moment, color in ((found.start, START_COLOR), (found.end, END_COLOR)):
            where = _index_of(periods, found.until, moment)
            if where is not None:
                plt.vline(where // size, color)


def _amount(value: float) -> str:
    """A y label: 1,234 / 12.5k / 3.1M (whole below 10,000)."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _ticks(periods: Sequence[Period], most: int) -> tuple[list[int], list[str]]:
    """A few evenly spread periods and their labels (dates; hours as `MM-DD HH:MM`)."""
    last = len(periods) - 1
    steps = min(most, last) or 1
    spots = sorted({round(i * last / steps) for i in range(steps + 1)})
    labels = [_short(periods[i].label) for i in spots]
    return spots, labels


def _short(label: str) -> str:
    return label[5:16].replace("T", " ") if "T" in label else label


def _index_of(periods: Sequence[Period], until: float, moment: float | None) -> int | None:
    """The period holding `moment`, None outside the periods shown (they end at `until`)."""
    if moment is None or not periods or not periods[0].start <= moment < until:
        return None
    return next(i for i in range(len(periods) - 1, -1, -1) if periods[i].start <= moment)


def _grid(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str = ""
) -> Text:
    """A small table as text: the title, dim headers, the first column left-aligned and the
    others right-aligned (cells are ours or cleaned: Text, never markup)."""
    widths = [max(cell_len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0] + " " * (widths[0] - cell_len(cells[0]))
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    text = Text.assemble((title, "bold"), "\n", (line(headers), "dim"))
    for row in rows:
        text.append("\n" + line(row))
    if not rows and empty:
        text.append("\n" + empty, "dim")
    return text


def _totals(found: Insights) -> Text:
    coins = found.coins_added + found.coins_removed
    took_part = (
        percent(found.participants, found.users) if found.users >= found.participants else "-"
    )
    rows = [
        ["participations", f"{found.participations:,}", "100%"],
        ["users", f"{found.users:,}", "100%"],
        ["users who took part", f"{found.participants:,}", took_part],
        ["coins added", f"{found.coins_added:,}", percent(found.coins_added, coins)],
        ["coins removed", f"{found.coins_removed:,}", percent(found.coins_removed, coins)],
    ]
    return _grid("Totals", ["", "count", "share"], rows)


def _ranking(title: str, what: str, ranked: Sequence[Ranked]) -> Text:
    rows = [
        [
            shortened(clean(item.name), NAME_CELLS) if item.name else f"#{clean(item.user_id)}",
            f"{item.value:,}",
        ]
        for item in ranked
    ]
    return _grid(title, ["user", what], rows, "nothing cached")


def _shares(title: str, shares: Sequence[Share]) -> Text:
    whole = sum(s.count for s in shares)
    rows = [
        [shortened(clean(s.value), NAME_CELLS), f"{s.count:,}", percent(s.count, whole)]
        for s in shares[:SHARES]
    ]
    rest = shares[SHARES:]
    if rest:
        others = sum(s.count for s in rest)
        rows.append([f"{len(rest)} others", f"{others:,}", percent(others, whole)])
    return _grid(title, ["", "count", "share"], rows, "nothing cached")
