"""The Textual app: one session per profile, the browser screen, global bindings, the palette."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal, cast

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.api.errors import AuthError
from tui.coin_sender import CoinsChecking, CoinSender, CoinsSettled
from tui.config import ConfigError, Settings, load_settings
from tui.crash import report_crash
from tui.memory import IdleCollector
from tui.messages import AddCoins, ApiFailed, ServerWarning
from tui.redact import redact_text
from tui.screens.browser import BrowserScreen
from tui.screens.palette import PromotionById
from tui.screens.prompt import PromptScreen, digits_only
from tui.session import Session
from tui.widgets.safe_text import clean
from tui.widgets.status_bar import StatusBar
from tui.widgets.textual_seam import drop_exit_tracebacks, handle_exception_as_textual
from tui.widgets.words import ago

if TYPE_CHECKING:
    from tui.screens.coins import CoinDialog

FOOTER_WAIT = 1.0
"""Seconds after the first layout when the browser starts even if its footer was not filled
(Textual fills it only while the terminal has the focus)."""


class PromoTuiApp(App[None]):
    """Browse promotions, participants and coins; Ezepo lists and links."""

    CSS_PATH = "app.tcss"
    TITLE = "promo-tui"
    COMMANDS = App.COMMANDS | {PromotionById}

    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("e", "ezepo", "Ezepo"),
        Binding("a", "add_coins", "Coins by user id"),
        Binding("J", "journal", "Journal"),
        Binding("exclamation_mark", "show_error", "Last error in full", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),  # in dialogs and inputs too
        # Focus moves as the Tab arrives, so the keys typed right behind it go to the new field
        # (as a screen binding, a burst already queued for the old field went there too).
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        demo: bool = False,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        """`prepare`: a blocking call the first session makes before its clients exist (in a
        thread, after the first frame); the demo starts its sandbox there."""
        super().__init__()
        self.settings = settings
        self.demo = demo
        self._painted = False
        self.idle_collector = IdleCollector()
        self.session = Session(settings, prepare=prepare, warn=self._server_warning)
        self.coins = CoinSender(self)
        self._ezepo_screen: Screen[None] | None = None
        self.crash_line: str | None = None
        self.last_error: tuple[str, float] | None = None
        """The last problem's text and when it happened (epoch seconds), for `!`."""
        if demo:
            self.sub_title = "demo (sandbox)"

    def get_default_screen(self) -> Screen[None]:
        """The first frame is the browser itself when there is a token (no screen pushed on
        top of Textual's default one); the setup screen goes over a default screen."""
        return BrowserScreen() if self.settings.has_easypromos else super().get_default_screen()

    async def on_mount(self) -> None:
        self.idle_collector.start()
        self.set_interval(0.25, self.idle_collector.tick)
        for warning in self.settings.warnings:  # e.g. a world-readable config file
            self.notify(warning, title="Config", severity="warning", markup=False, timeout=10)
        if not self.settings.has_easypromos:
            self.run_setup()

    def on_ready(self) -> None:
        """The first layout is done; the frame is complete once the footer's keys are painted
        (`FirstFrameShown`): the browser starts then, so that nothing of its start (the panes'
        imports, the session's thread) delays them."""
        if self._browser() is None:  # the setup screen: a browser starts once it is done
            self._painted = True
        else:  # a footer is filled only while the terminal has the focus
            self.set_timer(FOOTER_WAIT, self._first_frame_painted)

    def on_first_frame_shown(self) -> None:
        self._first_frame_painted()

    def _first_frame_painted(self) -> None:
        browser = self._browser()
        if not self._painted and browser is not None:
            self._painted = True
            browser.call_later(self._start_browser, browser)  # on the browser's queue

    async def _start_browser(self, browser: BrowserScreen) -> None:
        """Load the session's account, and check the coin journal's open entries."""
        await browser.start()
        self.coins.check_journal()

    async def on_unmount(self) -> None:
        self.idle_collector.stop()
        await self.session.close()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle_collector.note_input()
        await super().on_event(event)

    async def start_session(self, settings: Settings) -> None:
        """Show `settings`' profile in the browser (the screens above it closed); it starts (its
        panes, the session) once the app's first frame is painted (`on_ready`)."""
        previous = self.session
        while len(self.screen_stack) > 1 and not isinstance(self.screen, BrowserScreen):
            await self.pop_screen()
        await self._drop_ezepo_screen()
        browser = self._browser()
        if browser is not None:  # nothing of the previous session may run on the new one
            await browser.clear()
        self.settings, self.session = settings, Session(settings, warn=self._server_warning)
        if browser is None:  # the first session came from the setup screen
            browser = BrowserScreen()
            await self.push_screen(browser)
        else:
            browser.show_session()
        if self._painted:
            await self._start_browser(browser)
        await previous.close()

    def run_setup(self) -> None:
        """The first-run setup screen; its saved settings start a new session."""
        from tui.screens.setup import SetupScreen

        if any(isinstance(screen, SetupScreen) for screen in self.screen_stack):
            return  # several workers met the same refused token

        async def done(settings: Settings | None) -> None:
            if settings is not None:
                await self.start_session(settings)
            elif not self.session.easypromos:
                self.exit()

        self.push_screen(SetupScreen(self.settings.config_path, self.settings.profile), done)

    def _handle_exception(self, error: Exception) -> None:
        """A crash. Textual's hook (private, see `tui.widgets.textual_seam`) would print a
        traceback listing every frame's locals, tokens among them. The traceback goes to a
        redacted crash file instead (`tui.crash`); `crash_line`, which names it, is for the
        terminal once the app has left it (`tui.launch`)."""
        if self.crash_line is None:  # later errors are the first one's consequences
            self.crash_line = report_crash(error)
        handle_exception_as_textual(self, error)
        drop_exit_tracebacks(self)

    # ---- errors ---------------------------------------------------------------------------------

    def on_api_failed(self, message: ApiFailed) -> None:
        self.report_error(message.error, message.context, notify=not message.shown)

    def _server_warning(self, text: str) -> None:
        """The session's clients took an answer with a caveat (called from any thread)."""
        self.post_message(ServerWarning(text))

    def on_server_warning(self, message: ServerWarning) -> None:
        self._show_problem(message.text, "warning")

    def report_error(self, error: BaseException, context: str = "", notify: bool = True) -> None:
        """A notification (unless `notify` is off) and the status bar's last error; a revoked
        token opens the setup."""
        self._show_problem(f"{context}{error}", "error", notify)
        if isinstance(error, AuthError) and self.session.easypromos is not None:
            self.notify("The token was refused: check the profile", severity="warning")
            self.run_setup()

    def _show_problem(
        self, text: str, severity: Literal["warning", "error"], notify: bool = True
    ) -> None:
        """A notification (unless `notify` is off), and the status bar's last problem."""
        text = clean(redact_text(text))
        self.last_error = (text, time.time())
        for screen in self.screen_stack:  # (the browser's, under a dialog or the Ezepo screen)
            for status in screen.query(StatusBar):
                status.show_error(text)
        if notify:
            self.notify(text, title=severity.title(), severity=severity, markup=False, timeout=6)

    # ---- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The key that opens the screen shown is left out of its footer, and does nothing (J on
        the journal stacked a second journal)."""
        return action != getattr(self.screen, "OPENED_BY", None)

    def action_show_error(self) -> None:
        """The last error in full (the status bar cuts it to one line)."""
        from tui.screens.error import ErrorScreen

        if self.last_error is None:
            self.notify("No error so far", timeout=3)
            return
        text, moment = self.last_error
        self.push_screen(ErrorScreen(text, f"{ago(moment, time.time())}"))

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    async def _clients_ready(self) -> bool:
        """Wait for the session's clients (the browser starts them after its first frame);
        False, the error reported, if they cannot start. A profile without a token has none."""
        if not self.session.settings.has_easypromos:
            return True
        try:
            await self.session.start()
        except Exception as error:
            self.report_error(error)
            return False
        return True

    async def action_ezepo(self) -> None:
        """Show the session's one Ezepo screen: kept while browsing, so fetch jobs run on."""
        from tui.screens.ezepo import EzepoScreen

        if not await self._clients_ready():
            return
        screen = self._ezepo_screen
        if screen is None:
            settings = self.session.settings
            screen = EzepoScreen(self.session.ezepo, poll_seconds=settings.ezepo_poll_seconds)
            self.install_screen(screen, name="ezepo")
            self._ezepo_screen = screen
        if screen not in self.screen_stack:
            self.push_screen(screen)

    async def action_link_builder(self) -> None:
        """The Ezepo screen on its link builder tab."""
        from tui.screens.ezepo import EzepoScreen

        await self.action_ezepo()
        if isinstance(self.screen, EzepoScreen):
            self.screen.action_show_tab("link")

    async def _drop_ezepo_screen(self) -> None:
        """Forget the previous session's Ezepo screen (its jobs stop with it)."""
        screen, self._ezepo_screen = self._ezepo_screen, None
        if screen is not None:
            self.uninstall_screen(screen)
            await screen.remove()

    async def action_journal(self) -> None:
        from tui.screens.journal import JournalScreen

        if await self._clients_ready():
            self.push_screen(JournalScreen())

    def _browser(self) -> BrowserScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, BrowserScreen)), None)

    def action_add_coins(self) -> None:
        browser = self._browser()
        promotion_id = browser.current_promotion_id if browser else None
        if promotion_id is None:
            self.notify("Choose a promotion in the tree first", severity="warning")
            return
        self.open_coin_dialog(promotion_id, None)

    def action_insights(self) -> None:
        """The Insights of the tree's promotion."""
        browser = self._browser()
        promotion_id = browser.current_promotion_id if browser else None
        if browser is None or promotion_id is None:
            self.notify("Choose a promotion in the tree first", severity="warning")
            return
        tree = browser.promotions_tree
        promotion = next(
            (p for p in tree.promotions if str(p.get("id")) == promotion_id), {"id": promotion_id}
        )
        browser.open_insights(promotion)

    def on_add_coins(self, message: AddCoins) -> None:
        self.open_coin_dialog(message.promotion_id, message.user_id)

    def open_coin_dialog(self, promotion_id: str, user_id: str | None) -> None:
        from tui.screens.coins import CoinDialog

        self.push_screen(CoinDialog(promotion_id, user_id))

    def _coin_dialog_of(self, entry_id: str) -> CoinDialog | None:
        from tui.screens.coins import CoinDialog

        return next(
            (
                screen
                for screen in self.screen_stack
                if isinstance(screen, CoinDialog) and screen.entry and screen.entry.id == entry_id
            ),
            None,
        )

    def on_coins_checking(self, message: CoinsChecking) -> None:
        dialog = self._coin_dialog_of(message.entry.id)
        if dialog is not None:
            dialog.show_checking(message)

    def on_coins_settled(self, message: CoinsSettled) -> None:
        """Show an outcome in its dialog, or, the dialog closed, as a notification; refresh
        what shows the user's balance and the journal."""
        from tui.screens.journal import JournalScreen

        result = message.result
        dialog = self._coin_dialog_of(result.entry.id)
        if dialog is not None:
            dialog.show_result(result)
        else:
            timeout = 8 if result.applied else 30
            self.notify(
                result.describe(),
                title="Coin transaction",
                severity=cast(SeverityLevel, result.severity),
                markup=False,
                timeout=timeout,
            )
        browser = self._browser()
        if result.applied and browser is not None:
            browser.detail.refresh_user(result.entry.promotion_id, result.entry.user_id)
        for screen in self.screen_stack:
            if isinstance(screen, JournalScreen):
                screen.reload()

    async def action_quit(self) -> None:
        """Quit, after asking when a coin transaction is still on its way."""
        from tui.screens.confirm import ConfirmScreen

        sending = len(self.coins.in_flight)
        if not sending:
            self.exit()
            return

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        transactions = "transaction is" if sending == 1 else "transactions are"
        self.push_screen(
            ConfirmScreen(
                "Quit while sending coins?",
                f"{sending} coin {transactions} still being sent. If you quit now, its outcome "
                "is checked against the user's transactions the next time promo-tui starts.",
                yes="Quit anyway",
                no="Wait",
            ),
            answered,
        )

    def action_open_promotion(self) -> None:
        def chosen(promotion_id: str | None) -> None:
            if promotion_id:
                self.open_promotion(promotion_id)

        check = digits_only("A promotion id")
        self.push_screen(PromptScreen("Open promotion by id", "480102", check), chosen)

    def open_promotion(self, promotion_id: str) -> None:
        browser = self._browser()
        if browser is not None and not browser.open_promotion(promotion_id):
            missing = clean(f"No promotion {promotion_id} in this account")
            self.notify(missing, severity="warning", markup=False)

    def action_switch_profile(self) -> None:
        async def chosen(profile: str | None) -> None:
            if not profile:
                return
            try:
                settings = load_settings(self.settings.config_path, profile)
            except ConfigError as error:
                self.notify(str(error), title="Profile", severity="error", markup=False)
                return
            if settings.has_easypromos:
                await self.start_session(settings)
            else:
                self.settings = settings
                self.run_setup()

        self.push_screen(PromptScreen("Switch to profile", self.settings.profile), chosen)

    def _in_browser(self, command: Callable[[BrowserScreen], object]) -> Callable[[], None]:
        def run() -> None:
            browser = self._browser()
            if browser is not None:
                command(browser)

        return run

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's "Keys" panel would stand beside our "Help" (every key, by screen and tab);
        # "Open promotion by id…" comes from the palette's own provider.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Keys")
        yield SystemCommand("Add coins", "Coin transaction for a user id", self.action_add_coins)
        yield SystemCommand("Coin journal", "Transactions sent from here", self.action_journal)
        yield SystemCommand(
            "Insights", "The promotion's charts and tables, from the cache", self.action_insights
        )
        yield SystemCommand("Ezepo", "Lists, affiliates, links, fetch jobs", self.action_ezepo)
        yield SystemCommand(
            "Copy unsubscribe link", "Ezepo's link builder", self.action_link_builder
        )
        yield SystemCommand("Switch profile", "Open another profile", self.action_switch_profile)
        yield SystemCommand(
            "Refresh collection",
            "Read new records of the table's collection",
            self._in_browser(lambda browser: browser.collection.load(full=False)),
        )
        yield SystemCommand(
            "Full re-sync",
            "Read the whole collection again, drop deleted records",
            self._in_browser(lambda browser: browser.collection.load(full=True)),
        )
        yield SystemCommand(
            "Reload account",
            "Brands and promotions",
            self._in_browser(lambda browser: browser.action_reload_account()),
        )
        yield SystemCommand("Help", "Every key", self.action_help)
