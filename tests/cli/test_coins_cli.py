"""`promo-tui coins` end to end: one transaction changes the balance once; the journal shows it."""

from __future__ import annotations

import json

import httpx

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

from .conftest import Cli

PID = cr.ACTIVE_PROMOTION_ID


def some_user(server: SandboxServer, pid: int, n: int) -> tuple[str, int]:
    """The id and index of the promotion's n-th newest user."""
    users, _ = server.state.page(pid, "users", True, None)
    uid = str(users[n]["id"])
    index = server.state.user_index(pid, int(uid))
    assert index is not None
    return uid, index


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


def test_confirmation_is_required_without_a_terminal(cli: Cli, sandbox):
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
    result = cli.run("coins", "add", str(PID), uid, "+7", "--concept", "lost answer", "--yes")
    assert result.returncode == 3, result.stderr
    entry = json.loads(result.stdout)
    assert (entry["user_id"], entry["amount"], entry["concept"]) == (uid, 7, "lost answer")
    assert "unknown" in result.stderr and "Do not send it again" in result.stderr
    assert sandbox.state.balance(PID, index) == before + 7  # applied once, never re-sent
    assert sandbox.state.stats_snapshot()["posts"] == 1
    journal = cli.run("coins", "journal")
    line = next(row for row in journal.stdout.splitlines() if "lost answer" in row)
    assert "unknown" in line
