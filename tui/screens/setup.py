"""First-run and edit form for one profile: credentials, a live test of both, and a safe save."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from tui.api.easypromos import EasypromosClient
from tui.api.errors import AuthError, ScopeError
from tui.api.ezepo import EzepoClient
from tui.config import DEFAULT_EASYPROMOS_URL, ConfigError, Settings, load_settings, save_profile
from tui.redact import Secret
from tui.widgets.ezepo.base import describe_error
from tui.widgets.ezepo.form_field import FormField, rule
from tui.widgets.footer import KeysFooter
from tui.widgets.safe_text import clean, safe_content

CHECK_TIMEOUT = 15.0
INTRO = (
    "Save tests both services first: a refused token or key is not saved. The file is "
    "readable by you only (0600); comments you put in it are kept."
)


def is_http_url(value: str) -> bool:
    """An http(s) URL with a host and no query string (a key never belongs in it)."""
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query


def is_token(value: str) -> bool:
    """A credential as pasted: not empty, no inner whitespace."""
    value = value.strip()
    return bool(value) and not any(char.isspace() for char in value)


@dataclass(frozen=True)
class Check:
    """The outcome of testing one service: ok, refused (bad credentials) or unreachable."""

    service: str
    ok: bool
    refused: bool
    text: str


class CheckDone(Message):
    """A service test finished."""

    def __init__(self, check: Check) -> None:
        super().__init__()
        self.check = check


async def check_easypromos(url: str, token: str) -> Check:
    """List the organizing brands with the token."""
    try:
        async with EasypromosClient(url, Secret(token), timeout=CHECK_TIMEOUT) as client:
            brands = await client.organizing_brands()
    except AuthError:
        text = "Easypromos refused the token (401): copy it again or create a new one."
        return Check("easypromos", ok=False, refused=True, text=text)
    except ScopeError as exc:
        return Check("easypromos", ok=False, refused=True, text=f"Easypromos: {exc}")
    except Exception as exc:
        return Check("easypromos", ok=False, refused=False, text=describe_error(exc))
    return Check(
        "easypromos", ok=True, refused=False, text=f"OK: {len(brands)} organizing brand(s)"
    )


async def check_ezepo(endpoint: str, key: str) -> Check:
    """Ask Ezepo which role the key has."""
    try:
        async with EzepoClient(endpoint, Secret(key), timeout=CHECK_TIMEOUT) as client:
            role = await client.test()
    except AuthError:
        text = "Ezepo refused the key (401 access denied): check the key and the endpoint."
        return Check("ezepo", ok=False, refused=True, text=text)
    except Exception as exc:
        return Check("ezepo", ok=False, refused=False, text=describe_error(exc))
    return Check("ezepo", ok=True, refused=False, text=f"OK: {role.label} key")


class SetupScreen(Screen[Settings | None]):
    """Ask for the Easypromos token and URL and the Ezepo endpoint and key; test; save."""

    CSS_PATH = "setup.tcss"
    BINDINGS = [
        Binding("ctrl+t", "test", "Test"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+r", "reveal", "Show/hide secrets"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, config_path: Path | None, profile: str) -> None:
        super().__init__()
        self.config_path = config_path
        self.profile = profile
        self.ep_url = FormField(
            "API URL",
            Input(
                DEFAULT_EASYPROMOS_URL,
                id="ep-url",
                validators=[rule(is_http_url, "Enter an http(s) URL without a query string")],
            ),
        )
        self.ep_token = FormField(
            "Access token",
            Input(
                id="ep-token",
                password=True,
                validators=[rule(is_token, "Paste the token: it cannot be empty or have spaces")],
            ),
        )
        self.ez_endpoint = FormField(
            "Endpoint (optional)",
            Input(
                id="ez-endpoint",
                placeholder="https://yourendpoint.example.com",
                valid_empty=True,
                validators=[rule(is_http_url, "Enter an http(s) URL without a query string")],
            ),
        )
        self.ez_key = FormField(
            "API key (optional)",
            Input(
                id="ez-key",
                password=True,
                valid_empty=True,
                validators=[rule(is_token, "The key cannot have spaces")],
            ),
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup-form"):
            title = Text.assemble("Setup of profile ", (clean(self.profile), "bold"))
            yield Static(title, id="setup-title")
            yield Static("", id="setup-file", markup=False)
            yield Static(INTRO, id="setup-intro", markup=False)
            yield Static("", id="setup-problem", markup=False)
            yield Static("Easypromos", classes="section")
            yield self.ep_url
            yield self.ep_token
            yield Static("", id="easypromos-result", classes="result", markup=False)
            yield Static("Ezepo", classes="section")
            yield self.ez_endpoint
            yield self.ez_key
            yield Static("", id="ezepo-result", classes="result", markup=False)
            with Horizontal(id="setup-buttons"):
                yield Button("Test", id="test")
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")
        yield KeysFooter()

    def on_mount(self) -> None:
        try:
            current = load_settings(self.config_path, self.profile, env={}, allow_new_profile=True)
        except ConfigError as exc:
            self._problem(f"The config file cannot be read: {exc}")
            return
        self.query_one("#setup-file", Static).update(safe_content(f"File: {current.config_path}"))
        self.ep_url.input.value = current.easypromos_url
        if current.easypromos_token:
            self.ep_token.input.value = current.easypromos_token.reveal()
        self.ez_endpoint.input.value = current.ezepo_endpoint or ""
        if current.ezepo_key:
            self.ez_key.input.value = current.ezepo_key.reveal()
        self.ep_token.input.focus()

    def _problem(self, text: str) -> None:
        self.query_one("#setup-problem", Static).update(safe_content(text, single_line=False))

    def _valid(self) -> bool:
        fields = (self.ep_url, self.ep_token, self.ez_endpoint, self.ez_key)
        valid = all([field.check() for field in fields])
        if bool(self.ez_endpoint.value) != bool(self.ez_key.value):
            missing = self.ez_key if self.ez_endpoint.value else self.ez_endpoint
            missing.show_error("Ezepo needs both the endpoint and the key (or neither)")
            valid = False
        if not valid:
            self.notify("Fix the marked fields first", severity="warning")
        return valid

    async def _run_checks(self) -> list[Check]:
        """Test every configured service at once; the results are posted as messages."""
        jobs = [check_easypromos(self.ep_url.value, self.ep_token.value)]
        self._result("easypromos", "Testing…")
        self._result("ezepo", "")
        if self.ez_endpoint.value:
            jobs.append(check_ezepo(self.ez_endpoint.value, self.ez_key.value))
            self._result("ezepo", "Testing…")
        checks = list(await asyncio.gather(*jobs))
        for check in checks:
            self.post_message(CheckDone(check))
        return checks

    def _result(self, service: str, text: str, ok: bool | None = None) -> None:
        result = self.query_one(f"#{service}-result", Static)
        result.update(safe_content(text))
        result.display = bool(text)
        result.set_class(ok is True, "-ok")
        result.set_class(ok is False, "-failed")

    @on(CheckDone)
    def _show_check(self, message: CheckDone) -> None:
        self._result(message.check.service, message.check.text, message.check.ok)

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        if self._valid():
            self._test()

    @work(exclusive=True, group="setup")
    async def _test(self) -> None:
        await self._run_checks()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._valid():
            self._save()

    @work(exclusive=True, group="setup")
    async def _save(self) -> None:
        checks = await self._run_checks()
        refused = [check for check in checks if check.refused]
        if refused:
            self.notify(
                clean(f"Not saved: {refused[0].text}"), severity="error", timeout=8, markup=False
            )
            return
        values = {
            "easypromos_api_url": self.ep_url.value.rstrip("/"),
            "easypromos_token": Secret(self.ep_token.value),
            "ezepo_endpoint": self.ez_endpoint.value.rstrip("/") or None,
            "ezepo_key": Secret(self.ez_key.value) if self.ez_key.value else None,
        }
        try:
            path = save_profile(self.config_path, self.profile, values)
            settings = load_settings(path, self.profile)
        except ConfigError as exc:
            self._problem(f"Not saved: {exc}")
            self.notify(clean(f"Not saved: {exc}"), severity="error", markup=False)
            return
        unreachable = [check.text for check in checks if not check.ok]
        if unreachable:
            warning = clean(f"Saved, but not verified: {unreachable[0]}")
            self.notify(warning, severity="warning", markup=False)
        else:
            self.notify(clean(f"Saved profile {self.profile} to {path}"), markup=False)
        self.dismiss(settings)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "setup")
        self.dismiss(None)

    def action_reveal(self) -> None:
        for field in (self.ep_token, self.ez_key):
            field.input.password = not field.input.password
