"""A canary token and key that work (the sandbox accepts them) travel through the API layer, the
app and the CLI, in good runs, failing runs and a forced crash. Everything a person or a log
could read is collected, and the canary must appear in none of it."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from rich.console import Console

from tests.notified import notifications
from tests.reliability._app import SIZE, app_settings, open_collection, until
from tests.reliability._cli import Cli
from tests.reliability._rawserver import FaultyProxy
from tui.api.easypromos import Collection, EasypromosClient
from tui.api.errors import PromoTuiApiError
from tui.api.ezepo import EzepoClient
from tui.api.retry import RetryPolicy
from tui.config import load_settings
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox import easypromos as sandbox_easypromos
from tui.sandbox.server import SandboxServer

CANARY_TOKEN = f"cnrytok{uuid.uuid4().hex}"
CANARY_KEY = f"cnrykey{uuid.uuid4().hex}"
REVOKED_TOKEN = f"cnryrev{uuid.uuid4().hex}"
CANARIES = (CANARY_TOKEN, CANARY_KEY, REVOKED_TOKEN)
PID = cr.ACTIVE_PROMOTION_ID
FAST = RetryPolicy(attempts=2, initial=0.01, maximum=0.01, jitter=0.0)
REPO = Path(__file__).resolve().parents[2]


class Evidence:
    """Every text collected during the test, with where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, text: object) -> None:
        self.texts.append((where, str(text)))

    def error(self, where: str, error: BaseException) -> None:
        seen: BaseException | None = error
        while seen is not None:
            self.add(where, f"{seen!s} {seen!r}")
            seen = seen.__cause__ or seen.__context__

    def hits(self) -> list[str]:
        return [where for where, text in self.texts for c in CANARIES if c in text]


@pytest.fixture
def canary_sandbox(
    sandbox_factory: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxServer]:
    """A sandbox that takes the canary token (demo account) and key (admin)."""
    token = sandbox_easypromos.TOKENS[cr.DEMO_TOKEN]
    monkeypatch.setitem(sandbox_easypromos.TOKENS, CANARY_TOKEN, token)
    monkeypatch.setattr(cr, "EZEPO_ADMIN_KEY", CANARY_KEY)
    yield sandbox_factory(rate_limit=None)


async def api_runs(sandbox: SandboxServer, proxy: FaultyProxy, journal: Path, ev: Evidence) -> None:
    """Good and failing calls of both clients; their errors are evidence."""
    options = {"rate_window": 0.2, "timeout": 1.0, "retry": FAST, "journal_path": journal}
    async with EasypromosClient(sandbox.easypromos_url, Secret(CANARY_TOKEN), **options) as ep:
        ev.add("repr", repr(ep))
        async for _ in ep.pages(Collection.USERS, PID):
            pass
        users = await ep.user_coin_transactions(PID, _first_user(sandbox))
        ev.add("models", repr(users[:3]))
        outcome = await ep.add_coins(PID, _first_user(sandbox), 5, "canary")
        ev.add("journal entry", repr(outcome))
    async with EzepoClient(sandbox.ezepo_endpoint, Secret(CANARY_KEY), retry=FAST) as ez:
        ev.add("repr", repr(ez))
        ev.add("ezepo", repr(await ez.affiliates()) + repr(await ez.lists()))
        ev.add("ezepo link", await ez.link(cr.DEMO_AFFILIATE_ID, 1, cr.DEMO_LIST_ID, "unsub"))
    failing = [
        (EasypromosClient(sandbox.easypromos_url, Secret(REVOKED_TOKEN), **options), PID),
        (EasypromosClient(proxy.url + "/v2", Secret(CANARY_TOKEN), **options), PID),
        (EzepoClient(proxy.url, Secret(CANARY_KEY), retry=FAST, timeout=1.0), None),
    ]
    for client, pid in failing:
        async with client:
            with pytest.raises(PromoTuiApiError) as raised:
                await (
                    client.promotion(pid)
                    if isinstance(client, EasypromosClient)
                    else client.lists()
                )
            ev.error("API error", raised.value)


def _first_user(sandbox: SandboxServer) -> str:
    return str(sandbox.state.page(PID, "users", True, None)[0][-1]["id"])


async def app_runs(sandbox: SandboxServer, proxy: FaultyProxy, home: Path, ev: Evidence) -> None:
    """Browse, open Ezepo, then an Ezepo failure whose report crashes the app on purpose."""
    from tui.app import PromoTuiApp

    settings = app_settings(
        sandbox.easypromos_url,
        home,
        easypromos_token=Secret(CANARY_TOKEN),
        ezepo_endpoint=proxy.url,
        ezepo_key=Secret(CANARY_KEY),
    )
    ev.add("settings", f"{settings!r} {settings}")
    app = PromoTuiApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_collection(pilot, PID)
        await pilot.press("down")
        ev.add("screenshot of the browser", app.export_screenshot())
        await pilot.press("e")
        await until(pilot, lambda: "Hostile" in app.export_screenshot(), 10)
        ev.add("screenshot of Ezepo", app.export_screenshot())
        ev.add("notifications", [(n.title, n.message) for n in notifications(app)])
    # The same app again; its Ezepo endpoint now breaks, and reporting that error crashes.
    proxy.arm("reset-after-headers", path="/api/test")
    crashing = PromoTuiApp(settings)

    def crash(self: object, error: BaseException, context: str = "", notify: bool = True) -> None:
        raise RuntimeError("forced crash") from error

    rendered = Console(file=io.StringIO(), width=160, record=True)

    def keep_crash_screen(self: PromoTuiApp) -> None:
        for renderable in self._exit_renderables:
            rendered.print(renderable)
        self._exit_renderables.clear()

    with (
        mock.patch("tui.api.ezepo.RetryPolicy", lambda: FAST),
        mock.patch.object(PromoTuiApp, "report_error", crash),
        mock.patch.object(PromoTuiApp, "_print_error_renderables", keep_crash_screen),
        pytest.raises(RuntimeError, match="forced crash"),
    ):
        async with crashing.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: not crashing.is_running, 20)
    crash_text = rendered.export_text()
    assert crashing.crash_line is not None and "crash-" in crashing.crash_line
    crash_file = Path(crashing.crash_line.split(" are in ")[1].split("; ")[0])
    assert "forced crash" in crash_file.read_text(encoding="utf-8")
    ev.add("crash screen", crash_text + crashing.crash_line)
    ev.add("crash file", crash_file.read_text(encoding="utf-8"))
    proxy.disarm()


def cli_runs(sandbox: SandboxServer, proxy: FaultyProxy, home: Path, ev: Evidence) -> None:
    cli = Cli(home, sandbox.easypromos_url, sandbox.ezepo_endpoint, CANARY_TOKEN, CANARY_KEY)
    user = _first_user(sandbox)
    commands: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
        "export": (("export", "users", str(PID), "-o", str(home / "u.csv")), {}),
        "ezepo test": (("ezepo", "test"), {}),
        "ezepo lists": (("ezepo", "lists", "--json"), {}),
        "ezepo affiliates": (("ezepo", "affiliates"), {}),
        "coins add": (("coins", "add", str(PID), user, "+3", "--concept", "c", "--yes"), {}),
        "revoked token": (("export", "users", str(PID)), {"EASYPROMOS_TOKEN": REVOKED_TOKEN}),
        "revoked key": (("ezepo", "lists"), {"EZEPO_KEY": REVOKED_TOKEN}),
    }
    with ThreadPoolExecutor(len(commands)) as pool:  # independent runs: at once
        futures = {name: pool.submit(cli.run, *a, **env) for name, (a, env) in commands.items()}
        runs = {name: future.result() for name, future in futures.items()}
    runs["coins journal"] = cli.run("coins", "journal")
    runs["bad config"] = cli.run(
        "export", "brands", "--config", str(_bad_config(home)), config=False
    )
    assert runs["export"].code == 0 and runs["coins add"].code == 0, runs["export"].stderr
    assert runs["revoked token"].code == 1 and runs["bad config"].code == 2
    assert runs["revoked key"].code == 1
    for name, result in runs.items():
        ev.add(f"CLI {name}", result.stdout + result.stderr)
    for path in home.rglob("*"):  # journal, cache, partial files: anything left on disk
        if path.is_file() and path.suffix != ".toml":  # config files hold it on purpose
            ev.add(f"file {path.name}", path.read_bytes().decode("utf-8", "replace"))


def _bad_config(home: Path) -> Path:
    path = home / "bad.toml"
    path.write_text(f'[profiles.default]\neasypromos_token = "{CANARY_TOKEN}"\nrate_limit = "x"\n')
    return path


async def test_the_canary_never_shows(
    canary_sandbox: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ev = Evidence()
    with FaultyProxy(canary_sandbox.ezepo_endpoint) as proxy:
        proxy.arm("reset-after-headers", path="/v2")
        proxy.arm("no-answer", path="/api")
        await api_runs(canary_sandbox, proxy, tmp_path / "journal.jsonl", ev)
        proxy.disarm()
        await app_runs(canary_sandbox, proxy, tmp_path / "app", ev)
        cli_runs(canary_sandbox, proxy, tmp_path / "cli", ev)
    assert "HTTP Request" in caplog.text and "key=***" in caplog.text  # httpx did log
    ev.add("log text", caplog.text)
    ev.add("log records", [r.getMessage() for r in caplog.records])
    ev.add("journal", (tmp_path / "journal.jsonl").read_text())
    assert len(ev.texts) > 20
    assert ev.hits() == []


def test_secrets_are_wrapped(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.default]\neasypromos_token = "{CANARY_TOKEN}"\n'
        f'ezepo_endpoint = "http://127.0.0.1:9"\nezepo_key = "{CANARY_KEY}"\n'
    )
    config.chmod(0o600)
    settings = load_settings(config)
    assert isinstance(settings.easypromos_token, Secret)
    assert isinstance(settings.ezepo_key, Secret)
    assert settings.easypromos_token.reveal() == CANARY_TOKEN
    for text in (repr(settings), str(settings), repr(settings.easypromos_token), f"{settings}"):
        assert CANARY_TOKEN not in text and CANARY_KEY not in text


def test_committed_screenshots_hold_no_credentials() -> None:
    secrets = (cr.DEMO_TOKEN, cr.SCOPED_TOKEN, cr.OTHER_ACCOUNT_TOKEN, cr.EZEPO_ADMIN_KEY)
    svgs = [*REPO.glob("screenshots/*.svg"), *REPO.glob("tests/**/__snapshots__/**/*.svg")]
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        assert not [s for s in secrets if s in text], svg.name
