"""Strangers' text (nicknames, promotion titles, Ezepo notes) is shown as text, never run.

Each hostile string lands in a user's nickname (some through a proxy, to get bytes the sandbox
cannot send), in a promotion title and in an Ezepo list's notes. The app must paint none of its
escape sequences, markup or bidi controls, never touch the clipboard, and keep running; the CSV
export must neutralise formulas; the plain-text CLI must print no control character.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability._app import SIZE, Painted, app_settings, open_collection, paint, until
from tests.reliability._cli import Cli
from tests.reliability._rawserver import FaultyProxy
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

PID = cr.HOSTILE_PROMOTION_ID
HOSTILE = {
    "markup": "[bold]x[/] [link=https://evil.example]y[/link]",
    "click": "[@click=app.quit]quit[/]",
    "ansi": "\x1b[31mred\x1b[0m\x1b[2J\x1b[H",
    "osc52": "\x1b]52;c;cHduZWQ=\x07pwned",
    "osc8": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "c1": "\x9b31m\x9d52;c;eA==\x9c",
    "rtl": "\u0645\u0631\u062d\u0628\u0627 \u202eevil\u202c \u2067x\u2069",
    "zero-width": "zero\u200bwidth\u200d\ufeff",
    "newline": "line1\nline2\rline3",
    "formula": '=HYPERLINK("http://evil","x")',
    "plus": "+1-2",
    "minus": "-2+3",
    "at": "@SUM(1)",
    "tab": "\t=1",
    "long": "Long " * 2000,
}
# JSON escapes that only the proxy can deliver (same length as their marker).
SURROGATE_MARKER, SURROGATE = b"SURR0GATE!", b"\\ud800ok!!"
LITERALS = ("[bold]x[/]", "[@click=app.quit]")


@pytest.fixture
def hostile(
    sandbox_factory: Callable[..., SandboxServer],
) -> Iterator[tuple[SandboxServer, FaultyProxy]]:
    """A private sandbox whose hostile promotion has one new user per hostile string (the
    newest, so the first rows), a hostile title, and a proxy that adds a lone surrogate."""
    sandbox = sandbox_factory(rate_limit=None)
    state = sandbox.state
    for text in [*HOSTILE.values(), SURROGATE_MARKER.decode()]:
        [uid] = state.add_records(PID, "users", 1)
        user = state.find(PID, "users", uid)
        assert user is not None
        user["nickname"] = text
    promotion = state.promotion(PID)
    assert promotion is not None
    promotion["title"] = HOSTILE["osc52"] + HOSTILE["click"] + HOSTILE["rtl"]
    with FaultyProxy(sandbox.easypromos_url) as proxy:
        proxy.rewrites[SURROGATE_MARKER] = SURROGATE
        yield sandbox, proxy


def assert_inert(painted: Painted, where: str) -> None:
    assert not painted.foreign_sequences(), f"{where}: {painted.foreign_sequences()}"
    assert not [link for link in painted.links if "evil" in link or "app.quit" in link], where


async def test_the_app_paints_hostile_text_inert(
    hostile: tuple[SandboxServer, FaultyProxy], tmp_path: Path
) -> None:
    from tui.app import PromoTuiApp
    from tui.widgets.detail_pane import DetailPane

    sandbox, proxy = hostile
    settings = app_settings(
        proxy.url,
        tmp_path,
        ezepo_endpoint=sandbox.ezepo_endpoint,
        ezepo_key=Secret(cr.EZEPO_ADMIN_KEY),
    )
    app = PromoTuiApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_collection(pilot, PID)
        table, detail = screen.collection.table, screen.query_one(DetailPane)
        painted = paint(app)
        assert_inert(painted, "tree and table")
        tree_text, table_text = painted.region(screen.promotions_tree), painted.region(table)
        # The title, shown literally; the OSC 52 write before it left a marker (cut to the width).
        assert "\ufffdpwned[@click=app.quit" in tree_text
        assert all(literal in table_text for literal in LITERALS)
        assert "\ufffdok!!" in table_text  # the lone surrogate, replaced
        shown = []
        for row in range(len(HOSTILE) + 1):  # every hostile user in the detail pane
            await pilot.press("down" if row else "home")
            await until(  # the detail pane follows once the cursor rests
                pilot, lambda: detail.shown is not None and detail.shown.record == table.highlighted
            )
            painted = paint(app)
            assert_inert(painted, f"detail of row {row}")
            shown.append(painted.region(detail))
        assert any("Long Long" in text for text in shown)
        assert any("\ufffdok!!" in text for text in shown)  # the lone surrogate, replaced
        await pilot.press("e")  # the Ezepo screen: list notes for an admin key
        await until(pilot, lambda: "Hostile" in "\n".join(paint(app).lines), 10)
        assert_inert(paint(app), "Ezepo lists")
        assert "[@click=app.quit]" in "\n".join(paint(app).lines)
        assert app.clipboard == ""
        assert app.is_running
    assert app.return_code in (None, 0)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("cache", [False, True], ids=["api", "cache"])
def test_csv_export_neutralises_formulas(
    hostile: tuple[SandboxServer, FaultyProxy], tmp_path: Path, cache: bool
) -> None:
    sandbox, proxy = hostile
    cli = Cli(tmp_path / "home", proxy.url, sandbox.ezepo_endpoint, cache=cache)
    out = tmp_path / "users.csv"
    result = cli.run("export", "users", str(PID), "-o", str(out))
    assert result.code == 0, result.stderr
    rows = read_csv(out.read_text(encoding="utf-8"))
    nicknames = {row["nickname"] for row in rows}
    for name in ("formula", "plus", "minus", "at", "tab"):
        assert "'" + HOSTILE[name] in nicknames, name
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.lstrip("+-").isdigit()
            assert not cell.startswith("-") or cell[1:].replace(".", "").isdigit()
    assert "\ufffdok!!" in nicknames
    jsonl = cli.run("export", "users", str(PID), "--format", "jsonl")
    assert jsonl.code == 0, jsonl.stderr
    kept = {json.loads(line)["nickname"] for line in jsonl.stdout.splitlines()}
    assert HOSTILE["formula"] in kept and HOSTILE["osc52"] in kept  # JSONL keeps the data


def test_csv_neutralising_is_documented(tmp_path: Path) -> None:
    result = Cli(tmp_path, "http://127.0.0.1:9/v2", "http://127.0.0.1:9").run("export", "--help")
    assert result.code == 0
    text = " ".join(result.stdout.split())
    assert "= + - @" in text and "prefixed with '" in text
    assert "visible escapes such as \\x1b" in text and "\\uXXXX" in text  # controls, too
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "`=`, `+`, `-`, `@`" in readme and "prefixed with `'`" in readme


def test_plain_text_cli_output_has_no_control_characters(
    hostile: tuple[SandboxServer, FaultyProxy], tmp_path: Path
) -> None:
    sandbox, proxy = hostile
    cli = Cli(tmp_path / "home", proxy.url, sandbox.ezepo_endpoint)
    lists = cli.run("ezepo", "lists")
    assert lists.code == 0, lists.stderr
    assert "[@click=app.quit]" in lists.stdout
    assert not any(c in lists.stdout for c in "\x1b\x07\x9b\x9d\u202e")
    concept = HOSTILE["ansi"] + HOSTILE["c1"] + HOSTILE["rtl"]
    coins = cli.run(
        "coins", "add", str(PID), _first_user(sandbox), "+5", "--concept", concept, "--yes"
    )
    assert coins.code == 0, coins.stderr
    assert not [c for c in RAW_CONTROLS if c in coins.stdout + coins.stderr]
    assert concept in json.loads(coins.stdout)["reason"]  # the transaction, escaped losslessly
    journal = cli.run("coins", "journal")
    assert journal.code == 0 and not [c for c in RAW_CONTROLS if c in journal.stdout]


def _first_user(sandbox: SandboxServer) -> str:
    records, _ = sandbox.state.page(PID, "users", True, None)
    return str(records[-1]["id"])


RAW_CONTROLS = "\x1b\x07\x9b\x9d\u202e"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_write_no_raw_control_to_stdout_or_a_file(
    hostile: tuple[SandboxServer, FaultyProxy], tmp_path: Path, fmt: str
) -> None:
    """CSV writes controls as visible escapes, JSONL as \\uXXXX escapes that a JSON reader turns
    back into the same strings; stdout and -o FILE get the same bytes."""
    sandbox, proxy = hostile
    cli = Cli(tmp_path / "home", proxy.url, sandbox.ezepo_endpoint)
    out = tmp_path / f"users.{fmt}"
    to_stdout = cli.run("export", "users", str(PID), "--format", fmt)
    to_file = cli.run("export", "users", str(PID), "--format", fmt, "-o", str(out))
    assert to_stdout.code == 0 and to_file.code == 0, to_stdout.stderr + to_file.stderr
    written = out.read_text(encoding="utf-8")
    assert written == to_stdout.stdout
    assert not [c for c in RAW_CONTROLS if c in written + to_stdout.stderr + to_file.stderr]
    if fmt == "csv":
        nicknames = {row["nickname"] for row in read_csv(written)}
        assert "\\x1b]52;c;cHduZWQ=\\x07pwned" in nicknames  # visible, not run
        assert "\\x9b31m\\x9d52;c;eA==\\x9c" in nicknames
    else:
        nicknames = {json.loads(line)["nickname"] for line in written.splitlines()}
        assert {HOSTILE["osc52"], HOSTILE["c1"], HOSTILE["rtl"], HOSTILE["ansi"]} <= nicknames


def test_cli_stderr_shows_hostile_server_messages_inert(
    hostile: tuple[SandboxServer, FaultyProxy], tmp_path: Path
) -> None:
    sandbox, proxy = hostile
    rules = [
        {"kind": "hostile", "path": "/api/links/"},
        {"kind": "hostile", "path": "/v2/coin_transactions", "method": "POST"},
        {"kind": "hostile", "path": f"/v2/participations/{PID}"},
    ]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    cli = Cli(tmp_path / "home", proxy.url, sandbox.ezepo_endpoint)
    runs = {
        "ezepo link": cli.run(
            "ezepo", "link", "--affid", cr.DEMO_AFFILIATE_ID, "--src", "internal",
            "--listid", cr.DEMO_LIST_ID, "--type", "unsub",
        ),
        "coins add": cli.run(
            "coins", "add", str(PID), _first_user(sandbox), "+5", "--concept", "x", "--yes"
        ),
        "export": cli.run("export", "participations", str(PID)),
    }  # fmt: skip
    for name, result in runs.items():
        assert result.code in (1, 2), (name, result.stderr)
        assert "[/b]" in result.stderr and "evil" in result.stderr, (name, result.stderr)
        assert not [c for c in RAW_CONTROLS if c in result.stdout + result.stderr], name
        assert "Traceback" not in result.stderr, name
