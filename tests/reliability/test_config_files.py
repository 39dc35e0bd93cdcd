"""Bad configuration and hostile files: one clear message, a clean exit or recovery, and never a
partial file where a complete one was expected."""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.archives import symlink, zip_of
from tests.notified import notified
from tests.reliability._app import SIZE, app_settings, until
from tests.reliability._cli import Cli, Result
from tests.reliability._rawserver import FaultyProxy
from tui.config import load_settings
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PID = str(cr.ACTIVE_PROMOTION_ID)


@pytest.fixture
def cli(sandbox: SandboxServer, tmp_path: Path) -> Cli:
    return Cli(tmp_path / "home", sandbox.easypromos_url, sandbox.ezepo_endpoint)


def assert_one_line(result: Result, code: int, *words: str) -> None:
    """Exit `code`, one stderr line holding every word, no traceback."""
    assert result.code == code, result.stderr
    assert len(result.lines) == 1, result.stderr
    assert all(word in result.lines[0] for word in words), result.stderr
    assert "Traceback" not in result.stderr


BAD_CONFIGS = {
    "broken TOML": (b'default_profile = "x"\n[profiles.x\nrate_limit = 1\n', "line 2"),
    "wrong type": (b'[defaults]\nrate_limit = "many"\n', "rate_limit must be a positive integer"),
    "not a boolean": (b'[defaults]\ncache_enabled = "yes"\n', "cache_enabled must be true"),
    "negative timeout": (b"[defaults]\ntimeout_seconds = -1\n", "timeout_seconds must be"),
    "not a URL": (b'[defaults]\neasypromos_api_url = "ftp://x"\n', "http(s) URL"),
    "unknown key": (b"[defaults]\nnonsense = 1\n", "unknown key 'nonsense'"),
    "profiles not a table": (b"profiles = 3\n", "[profiles] must be a table"),
    "not UTF-8": (b"[defaults]\nrate_limit = 1 # \xff\xfe\n", "cannot read"),
}


CASES = [("export", case) for case in BAD_CONFIGS] + [
    ("app", case)
    for case in ("broken TOML", "wrong type")  # the same loader behind the app
]


@pytest.mark.parametrize(("surface", "case"), CASES)
def test_a_bad_config_is_one_line_and_exit_2(
    cli: Cli, tmp_path: Path, surface: str, case: str
) -> None:
    content, words = BAD_CONFIGS[case]
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    args = ("export", "brands") if surface == "export" else ()
    result = cli.run(*args, "--config", str(config), config=False)
    assert_one_line(result, 2, "config error", words)


def test_a_config_path_that_is_a_directory(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("export", "brands", "--config", str(tmp_path), config=False)
    assert_one_line(result, 2, "is a directory")


def test_an_unknown_profile_names_the_known_ones(cli: Cli) -> None:
    cli.config.write_text("[profiles.work]\nrate_limit = 100\n[profiles.home]\nrate_limit = 9\n")
    result = cli.run("export", "brands", "--profile", "nope")
    assert_one_line(result, 2, "unknown profile 'nope'", "home, work")


def test_missing_values_name_the_setting(cli: Cli, tmp_path: Path) -> None:
    export = cli.run("export", "brands", EASYPROMOS_TOKEN="")
    assert_one_line(export, 2, "no Easypromos token", "EASYPROMOS_TOKEN")
    ezepo = cli.run("ezepo", "lists", EZEPO_ENDPOINT="", EZEPO_KEY="")
    assert_one_line(ezepo, 2, "no Ezepo endpoint and key")


def test_a_world_readable_config_warns(cli: Cli) -> None:
    cli.config.chmod(0o644)
    assert "chmod 600" in " ".join(load_settings(cli.config).warnings)
    cli.config.chmod(0o600)
    assert load_settings(cli.config).warnings == ()


async def test_the_app_shows_the_world_readable_warning(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tui.app import PromoTuiApp

    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.default]\neasypromos_token = "{cr.DEMO_TOKEN}"\n'
        f'easypromos_api_url = "{sandbox.easypromos_url}"\n'
    )
    config.chmod(0o644)
    app = PromoTuiApp(load_settings(config))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: notified(app, "chmod 600"), 10)
        assert app.is_running


# ---- files ------------------------------------------------------------------------------------


def block(path: Path) -> None:
    """Make `path` unusable as a folder, even for root: a plain file stands in its place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.rmdir()
    path.write_text("not a folder")


def test_an_unwritable_journal_sends_no_coins(cli: Cli, sandbox: SandboxServer) -> None:
    block(cli.home / "xdg_data_home" / "promo-tui")
    user = str(sandbox.state.page(int(PID), "users", True, None)[0][0]["id"])
    result = cli.run("coins", "add", PID, user, "+5", "--concept", "x", "--yes")
    assert result.code == 1 and len(result.lines) == 1, result.stderr
    assert "Cannot write the coin journal" in result.stderr
    assert "Nothing was sent." in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.state.stats_snapshot()["posts"] == 0  # never sent without its journal entry


def test_an_unusable_cache_dir_is_one_line(sandbox: SandboxServer, tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home", sandbox.easypromos_url, sandbox.ezepo_endpoint, cache=True)
    block(cli.home / "xdg_cache_home" / "promo-tui")
    out = tmp_path / "users.csv"
    result = cli.run("export", "users", PID, "-o", str(out))
    assert_one_line(result, 1, "cannot use the cache folder")
    assert "cache_enabled = false" in result.stderr
    assert not out.exists()


def fsize_limit(limit: int) -> Callable[[], None]:
    """A preexec hook: files may grow to `limit` bytes, then writes fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_full_disk_on_export_leaves_no_file(cli: Cli, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"users.{fmt}"
    result = cli.run(
        "export", "users", PID, "--format", fmt, "-o", str(out), preexec_fn=fsize_limit(20_000)
    )
    assert result.code == 1, result.stderr
    assert "File too large" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_full_stdout_is_one_line(cli: Cli) -> None:
    with open("/dev/full", "w") as full:
        result = cli.run("export", "users", PID, "--format", "jsonl", stdout=full)
    assert_one_line(result, 1, "No space left")


ARCHIVES = {
    "traversal": (zip_of(("ok.txt", b"a@b.c\n"), ("../evil.txt", b"x")), "outside its folder"),
    "absolute": (
        zip_of(
            ("/tmp/evil-abs.txt", b"x"),
        ),
        "absolute path",
    ),
    "symlink": (zip_of(symlink("list.txt", "/etc/passwd")), "link or a special file"),
    "bomb": (
        zip_of(
            ("list.txt", b"0" * 30_000_000),
        ),
        "a bomb",
    ),
    "JSON error": (b'{"error": "Job not found"}', "not a zip"),
    "HTML page": (b"<html><body>502 Bad Gateway</body></html>", "not a zip"),
}


@pytest.mark.parametrize("case", list(ARCHIVES))
def test_a_hostile_archive_is_refused_and_nothing_is_written(
    sandbox: SandboxServer, tmp_path: Path, case: str
) -> None:
    body, words = ARCHIVES[case]
    with FaultyProxy(sandbox.ezepo_endpoint) as proxy:
        proxy.bodies["/api/lists/fetch/download"] = ("application/zip", body)
        cli = Cli(tmp_path / "home", sandbox.easypromos_url, proxy.url)
        out = tmp_path / "lists" / "inner"
        out.mkdir(parents=True)
        result = cli.run("ezepo", "fetch", "1", "--format", "txt", "-o", str(out), "--poll", "0.1")
    assert_one_line(result, 1, words)
    assert list(out.iterdir()) == [], "something was written"
    assert not (tmp_path / "lists" / "evil.txt").exists()
    assert not Path("/tmp/evil-abs.txt").exists()


async def test_the_app_says_why_with_an_unusable_cache_dir(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tui.app import PromoTuiApp
    from tui.widgets.status_bar import StatusBar

    block(Path(os.environ["XDG_CACHE_HOME"]) / "promo-tui")
    app = PromoTuiApp(app_settings(sandbox.easypromos_url, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(StatusBar), 10)
        status = app.screen.query_one(StatusBar)
        await until(pilot, lambda: status.last_error, 10)
        assert "Loading the account" in status.last_error and "promo-tui" in status.last_error
        await pilot.press("question_mark")  # the app still answers
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", 5)
        assert app.is_running
