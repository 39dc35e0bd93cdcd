"""`promo-tui coins` end to end: one transaction changes the balance once; the journal shows it."""

from __future__ import annotations

import json
import signal
import stat
import time
from pathlib import Path

import httpx

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

from .conftest import Cli, check_output

PID = cr.ACTIVE_PROMOTION_ID


def some_user(server: SandboxServer, pid: int, n: int) -> tuple[str, int]:
    """The id and index of the promotion's n-th newest user."""
    users, _ = server.state.page(pid, "users", True, None)
    uid = str(users[n]["id"])
    index = server.state.user_index(pid, int(uid))
    assert index is not None
    return uid, index


def quick_check(cli: Cli) -> tuple[str, str]:
    """`--config` of a profile that looks for a lost answer for 1 s instead of 2 min."""
    config = cli.cwd / "quick-check.toml"
    config.write_text("[defaults]\ncache_enabled = false\ncoin_check_seconds = 1\n")
    config.chmod(0o600)
    return ("--config", str(config))


def test_add_changes_the_balance_once_and_is_journaled(cli: Cli, sandbox):
    uid, index = some_user(sandbox, PID, 3)
    before = sandbox.state.balance(PID, index)
    result = cli.run("coins", "add", str(PID), uid, "+25", "--concept", "CLI test", "--yes")
    assert result.returncode == 0, result.stderr
    transaction = json.loads(result.stdout)
    inner = transaction.get("transaction", transaction)
    assert int(inner["amount"]) == 25
    assert sandbox.state.balance(PID, index) == before + 25
    assert sandbox.state.stats_snapshot()["posts"] == 1
    journal = cli.run("coins", "journal")
    assert journal.returncode == 0
    line = next(row for row in journal.stdout.splitlines() if "CLI test" in row)
    assert "applied" in line and uid in line and "+25" in line


def test_api_refusal_is_one_clear_line(cli: Cli, sandbox):
    uid, _ = some_user(sandbox, cr.CLOSED_PROMOTION_ID, 0)
    result = cli.run(
        "coins", "add", str(cr.CLOSED_PROMOTION_ID), uid, "5", "--concept", "late", "--yes"
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "not open" in result.stderr and "code 42" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_confirmation_is_required_without_a_terminal(private_cli):
    """Nothing is sent: counted on a sandbox of its own (on the session's, a request of an
    earlier test still on its way was counted once, in a loaded run)."""
    cli, sandbox = private_cli(minute_seconds=1.0)
    uid, index = some_user(sandbox, PID, 4)
    before = sandbox.state.balance(PID, index)
    result = cli.run("coins", "add", str(PID), uid, "5", "--concept", "no tty", input="y\n")
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert sandbox.state.balance(PID, index) == before
    assert sandbox.state.stats_snapshot()["requests"] == 0


def test_unknown_outcome_exits_3_with_the_journal_entry(cli: Cli, sandbox):
    """The POST is applied but its answer lost, and the read-back keeps failing: exit 3."""
    uid, index = some_user(sandbox, PID, 5)
    before = sandbox.state.balance(PID, index)
    rules = [
        {
            "kind": "reset",
            "method": "POST",
            "path": f"/v2/coin_transactions/{PID}",
            "nth": [1],
            "phase": "after",
        },
        {"kind": "500", "method": "GET", "path": f"/v2/coin_transactions/{PID}/", "probability": 1},
    ]
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": rules}).raise_for_status()
    checked = quick_check(cli)
    result = cli.run(
        "coins", "add", str(PID), uid, "+7", "--concept", "lost answer", "--yes", *checked
    )
    assert result.returncode == 3, result.stderr
    entry = json.loads(result.stdout)
    assert (entry["user_id"], entry["amount"], entry["concept"]) == (uid, 7, "lost answer")
    assert "unknown" in result.stderr and "Do not send it again" in result.stderr
    assert "reading the user's transactions" in result.stderr
    assert sandbox.state.balance(PID, index) == before + 7  # applied once, never re-sent
    assert sandbox.state.stats_snapshot()["posts"] == 1
    journal = cli.run("coins", "journal", "--no-check")
    line = next(row for row in journal.stdout.splitlines() if "lost answer" in row)
    assert "unknown" in line
    httpx.delete(f"{sandbox.base_url}/_sandbox/faults").raise_for_status()
    journal = cli.run("coins", "journal", *checked)  # the read-back works again: it is found
    assert f"entry {entry['id']}: applied" in journal.stderr
    line = next(row for row in journal.stdout.splitlines() if "lost answer" in row)
    assert "applied" in line and sandbox.state.stats_snapshot()["posts"] == 1


def test_ctrl_c_while_sending_exits_3_naming_the_entry_and_the_journal_settles_it(
    cli: Cli, sandbox: SandboxServer
) -> None:
    """The POST is applied and its answer delayed; Ctrl+C meanwhile: exit 3, the entry named
    and left open; `coins journal` then finds the transaction by its reference."""
    uid, index = some_user(sandbox, PID, 6)
    before = sandbox.state.balance(PID, index)
    rule = {"kind": "slow", "method": "POST", "phase": "after", "seconds": 20}
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": [rule]}).raise_for_status()
    process = cli.start("coins", "add", str(PID), uid, "+9", "--concept", "interrupted", "--yes")
    deadline = time.monotonic() + 60
    while sandbox.state.stats_snapshot()["posts"] == 0:  # applied: the POST has left
        assert process.poll() is None and time.monotonic() < deadline, "the POST never came"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 3
    stderr = (cli.cwd / "bg.err").read_text()
    check_output("", stderr)
    entry = json.loads((cli.cwd / "bg.out").read_text())
    assert f"journal entry {entry['id']} is unknown" in stderr and entry["state"] == "unknown"
    httpx.delete(f"{sandbox.base_url}/_sandbox/faults").raise_for_status()
    journal = cli.run("coins", "journal")
    assert f"entry {entry['id']}: applied" in journal.stderr
    assert sandbox.state.balance(PID, index) == before + 9
    assert sandbox.state.stats_snapshot()["posts"] == 1


def test_journal_is_private_and_without_a_token_lists_without_checking(
    cli: Cli, sandbox: SandboxServer
) -> None:
    uid, _ = some_user(sandbox, PID, 7)
    assert (
        cli.run("coins", "add", str(PID), uid, "+1", "--concept", "mode", "--yes").returncode == 0
    )
    journal = Path(cli.env["XDG_DATA_HOME"]) / "promo-tui" / "coin-journal.jsonl"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    listed = cli.run("coins", "journal", EASYPROMOS_TOKEN="")
    assert listed.returncode == 0 and "mode" in listed.stdout


def test_a_journal_unwritable_after_the_post_exits_0_saying_the_coins_were_added(
    cli: Cli, sandbox: SandboxServer
) -> None:
    uid, index = some_user(sandbox, PID, 8)
    before = sandbox.state.balance(PID, index)
    rule = {"kind": "slow", "method": "POST", "phase": "after", "seconds": 3}
    httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": [rule]}).raise_for_status()
    process = cli.start("coins", "add", str(PID), uid, "+4", "--concept", "no journal", "--yes")
    journal = Path(cli.env["XDG_DATA_HOME"]) / "promo-tui" / "coin-journal.jsonl"
    deadline = time.monotonic() + 60
    while sandbox.state.stats_snapshot()["posts"] == 0:  # applied, the answer held for 3 s
        assert process.poll() is None and time.monotonic() < deadline, "the POST never came"
        time.sleep(0.05)
    journal.unlink()
    journal.mkdir()  # the outcome can no longer be written
    assert process.wait(timeout=60) == 0
    stderr = (cli.cwd / "bg.err").read_text()
    check_output("", stderr)
    assert "the coins WERE added" in stderr and "journal could not record it" in stderr
    assert json.loads((cli.cwd / "bg.out").read_text())["amount"] == 4
    assert sandbox.state.balance(PID, index) == before + 4
