"""Bad input: one clear line on stderr, exit 2, nothing sent, nothing written."""

from __future__ import annotations

import os
import pty
from collections.abc import Iterator

import pytest

from tests.conftest import SESSION_SANDBOX_OPTIONS
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

from .conftest import Cli


@pytest.fixture(scope="module")
def _own_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(**SESSION_SANDBOX_OPTIONS) as server:
        yield server


@pytest.fixture
def sandbox(_own_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """A sandbox of this module's own, that only its CLI runs know: 'nothing sent' is counted
    there, where no request of an earlier test still on its way can land (one did, under load,
    on the session's sandbox: seed 340696732)."""
    yield _own_sandbox
    _own_sandbox.state.reset()


SMALL = str(cr.ACTIVE_PROMOTION_ID)

CASES = [
    (("export", "things", SMALL), "invalid choice: 'things'"),
    (("export", "users"), "needs a PROMOTION_ID"),
    (("export", "users", "12a"), "not a numeric id"),
    (("export", "users", SMALL, "--since", "last week"), "not an ISO-8601"),
    (("export", "users", SMALL, "-o", "missing/users.csv"), "does not exist"),
    (("export", "users", SMALL, "-o", "."), "is a directory"),
    (("export", "users", SMALL, "-o", "no-cache.toml/u.csv"), "is not a directory"),
    (("export", "users", SMALL, "--resume"), "--resume needs -o"),
    (("export", "stages", SMALL, "--since", "2024-01-01"), "--since needs"),
    (("coins", "add", SMALL, "42", "0", "--concept", "x", "--yes"), "must not be 0"),
    (("coins", "add", SMALL, "42", "2.5", "--concept", "x", "--yes"), "not a whole number"),
    (("coins", "add", SMALL, "user", "5", "--concept", "x", "--yes"), "not a numeric id"),
    (("coins", "add", SMALL, "42", "5", "--yes"), "--concept"),
    (
        ("ezepo", "link", "--affid", "1x", "--src", "1", "--listid", "1", "--type", "unsub"),
        "not a numeric id",
    ),
    (
        ("ezepo", "link", "--affid", "1", "--src", "fax", "--listid", "1", "--type", "unsub"),
        "not a source",
    ),
    (("ezepo", "fetch", "1", "-o", "missing/dir"), "does not exist"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_bad_input_exits_2_with_one_line(cli: Cli, sandbox, args, message):
    result = cli.run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["no-cache.toml"]
    assert sandbox.state.stats_snapshot()["requests"] == 0


def test_unwritable_output_folder(cli: Cli, sandbox):
    locked = cli.cwd / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("running as a user who can write anywhere")
    result = cli.run("export", "users", SMALL, "-o", "locked/u.csv")
    assert result.returncode == 2
    assert "permission denied" in result.stderr
    assert list(locked.iterdir()) == []


def test_missing_credentials_is_a_config_error(cli: Cli, sandbox):
    result = cli.run("export", "users", SMALL, EASYPROMOS_TOKEN="")
    assert result.returncode == 2
    assert "no Easypromos token" in result.stderr


def test_confirmation_prompt_on_a_terminal(cli: Cli, sandbox):
    """On a terminal, anything but yes sends nothing."""
    main, child = pty.openpty()
    try:
        result = cli.run_with_stdin(
            child, "coins", "add", SMALL, "42", "5", "--concept", "prompted", answer=(main, b"n\n")
        )
    finally:
        os.close(main)
        os.close(child)
    assert result.returncode == 1
    assert "[y/N]" in result.stderr and "cancelled" in result.stderr
    assert sandbox.state.stats_snapshot()["requests"] == 0
