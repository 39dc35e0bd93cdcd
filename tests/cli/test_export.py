"""`promo-tui export` end to end: the console script against the sandbox over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.older_cache import made_by_version
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer
from tui.store import files, schema

from .conftest import Cli, check_output

BIG = str(cr.BIG_PROMOTION_ID)
SMALL = str(cr.ACTIVE_PROMOTION_ID)


def csv_ids(text: str, column: str = "id") -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(text))]


def jsonl_ids(text: str) -> list[str]:
    return [str(json.loads(line)["id"]) for line in text.splitlines()]


def assert_seeded(server: SandboxServer, pid: int, collection: str, ids: list[str]) -> None:
    """Every seeded record once: the count, no duplicate, and real ids."""
    assert len(ids) == server.state.count(pid, collection)
    assert len(set(ids)) == len(ids)
    for rid in ids[:: max(len(ids) // 50, 1)]:
        assert server.state.find(pid, collection, int(rid)) is not None


@pytest.mark.slow
def test_biggest_promotion_streams_whole(private_cli: Callable[..., tuple[Cli, SandboxServer]]):
    """1,000 pages as CSV; JSONL of the same promotion is checked on its 250 pages of users."""
    cli, server = private_cli(minute_seconds=0.5)
    args = ("export", "participations", BIG, "-o", "participations.csv", *cli.no_cache())
    result = cli.run(*args, timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"exported {cr.BIG_PARTICIPATIONS:,} participations" in result.stderr
    ids = csv_ids((cli.cwd / "participations.csv").read_text(encoding="utf-8"))
    assert_seeded(server, cr.BIG_PROMOTION_ID, "participations", ids)
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["no-cache.toml", "participations.csv"]


def _wait_for_records(state_file: Path, at_least: int, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the export ended before it could be interrupted"
        try:
            records = int(json.loads(state_file.read_text())["records"])
        except (OSError, ValueError, KeyError):
            records = 0
        if records >= at_least:
            return records
        time.sleep(0.01)
    raise AssertionError("the export made no progress")


def test_export_interrupted_then_killed_resumes_without_gap_or_duplicate(cli: Cli, sandbox):
    args = ("export", "users", BIG, "--format", "jsonl", "-o", "users.jsonl", *cli.no_cache())
    state_file = cli.cwd / ".users.jsonl.part.json"

    # Paced at 20 pages a second, the interrupted runs cannot end between the wait and the
    # signal however loaded the machine is (at the sandbox's 200 they could: 230 pages left).
    slow = {"PROMO_TUI_RATE_LIMIT": "20"}
    first = cli.start(*args, **slow)
    _wait_for_records(state_file, 2_000, first)
    first.send_signal(signal.SIGINT)
    assert first.wait(timeout=30) == 130, (cli.cwd / "bg.err").read_text()
    stderr = (cli.cwd / "bg.err").read_text()
    check_output("", stderr)
    assert "--resume" in stderr
    assert not (cli.cwd / "users.jsonl").exists()
    kept = json.loads(state_file.read_text())["records"]

    second = cli.start(*args, "--resume", **slow)
    _wait_for_records(state_file, kept + 3_000, second)
    second.kill()  # SIGKILL: no clean-up at all
    second.wait(timeout=30)
    assert not (cli.cwd / "users.jsonl").exists()

    result = cli.run(*args, "--resume")
    assert result.returncode == 0, result.stderr
    assert "resuming" in result.stderr
    ids = jsonl_ids((cli.cwd / "users.jsonl").read_text(encoding="utf-8"))
    assert_seeded(sandbox, cr.BIG_PROMOTION_ID, "users", ids)
    assert ids == sorted(ids, key=int, reverse=True)  # newest first, in one piece
    leftovers = {p.name for p in cli.cwd.iterdir()} - {"users.jsonl", "no-cache.toml"}
    assert leftovers <= {"bg.out", "bg.err"}


def test_resume_with_other_arguments_is_refused(cli: Cli, sandbox):
    (cli.cwd / ".u.csv.part").write_text("{}\n")
    state = {"version": 1, "params": {"kind": "prizes"}, "cursor": "5", "records": 1, "offset": 3}
    (cli.cwd / ".u.csv.part.json").write_text(json.dumps(state))
    result = cli.run("export", "users", SMALL, "-o", "u.csv", "--resume", *cli.no_cache())
    assert result.returncode == 2
    assert "other arguments" in result.stderr
    assert not (cli.cwd / "u.csv").exists()


def test_default_export_refreshes_the_cache_and_cached_reads_it_offline(private_cli):
    """Calls counted on a sandbox of its own (the session's may still receive an earlier test's
    request)."""
    cli, sandbox = private_cli(minute_seconds=1.0)
    first = cli.run("export", "users", SMALL, "--format", "jsonl")
    assert first.returncode == 0, first.stderr
    assert_seeded(sandbox, cr.ACTIVE_PROMOTION_ID, "users", jsonl_ids(first.stdout))
    sandbox.state.reset_stats()
    cached = cli.run("export", "users", SMALL, "--format", "jsonl", "--cached")
    assert cached.returncode == 0, cached.stderr
    assert cached.stdout == first.stdout
    assert sandbox.state.stats_snapshot()["requests"] == 0
    again = cli.run("export", "users", SMALL, "--format", "jsonl")
    assert again.stdout == first.stdout
    calls = sandbox.state.stats_snapshot()["by_path"]
    assert calls.get(f"/v2/users/{SMALL}") == 1  # an unchanged collection costs one call


def test_new_records_cost_their_pages_and_one_account_check(private_cli):
    cli, sandbox = private_cli(minute_seconds=1.0)
    assert cli.run("export", "participations", SMALL, "-o", "p.csv").returncode == 0
    sandbox.state.add_records(int(SMALL), "participations", 250)
    sandbox.state.reset_stats()
    again = cli.run("export", "participations", SMALL, "-o", "p.csv")
    assert again.returncode == 0, again.stderr
    # The account check, then 100 new, 100 new, and 50 new with the first 50 cached.
    assert sandbox.state.stats_snapshot()["by_path"] == {
        "/v2/organizing_brands": 1,
        f"/v2/participations/{SMALL}": 3,
    }
    assert_seeded(sandbox, int(SMALL), "participations", csv_ids((cli.cwd / "p.csv").read_text()))


def test_cached_without_a_cache_says_so(cli: Cli, sandbox):
    result = cli.run("export", "users", SMALL, "--cached")
    assert result.returncode == 1
    assert "nothing is cached" in result.stderr
    assert result.stdout == ""


def test_since_and_status_filter(cli: Cli, sandbox):
    everything = cli.run("export", "users", SMALL, "--format", "jsonl", *cli.no_cache())
    records = [json.loads(line) for line in everything.stdout.splitlines()]
    assert_seeded(sandbox, cr.ACTIVE_PROMOTION_ID, "users", [r["id"] for r in records])
    assert len(records) > 100  # several pages
    since = records[150]["created"]
    recent = cli.run(
        "export", "users", SMALL, "--since", since, "--format", "jsonl", "--config", str(cli.config)
    )
    assert recent.returncode == 0, recent.stderr
    expected = [r["id"] for r in records if r["created"] >= since]
    assert jsonl_ids(recent.stdout) == expected
    active = cli.run("export", "promotions", "--status", "active", "--format", "jsonl")
    statuses = {json.loads(line)["status"] for line in active.stdout.splitlines()}
    assert statuses == {"active"}


def test_csv_flattens_and_neutralises_formulas(cli: Cli, sandbox):
    pid = str(cr.HOSTILE_PROMOTION_ID)
    result = cli.run("export", "users", pid, *cli.no_cache())
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header, body = rows[0], rows[1:]
    assert len(body) == sandbox.state.count(cr.HOSTILE_PROMOTION_ID, "users")
    assert len(set(header)) == len(header)
    cells = [cell for row in body for cell in row]
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only plain numbers may start so
    assert any(cell.startswith(("'=", "'+", "'-", "'@")) for cell in cells)
    jsonl = cli.run("export", "users", pid, "--format", "jsonl", *cli.no_cache())
    raw = [json.loads(line) for line in jsonl.stdout.splitlines()]
    nested = {
        f"{key}.{inner}" for r in raw for key, v in r.items() if isinstance(v, dict) for inner in v
    }
    assert nested <= set(header)


def test_api_errors_are_one_line_and_leave_no_file(cli: Cli, sandbox):
    locked = cli.run(
        "export",
        "users",
        str(cr.LOCKED_PROMOTION_ID),
        "-o",
        "x.csv",
        *cli.no_cache(),
        EASYPROMOS_TOKEN=cr.SCOPED_TOKEN,
    )
    assert locked.returncode == 1
    assert len(locked.stderr.strip().splitlines()) == 1
    bad_token = cli.run("export", "users", SMALL, "-o", "x.csv", EASYPROMOS_TOKEN="wrong-token-1")
    assert bad_token.returncode == 1
    assert len(bad_token.stderr.strip().splitlines()) == 1
    assert "wrong-token-1" not in bad_token.stderr
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["no-cache.toml"]


def test_an_older_cache_is_upgraded_and_export_says_so(cli: Cli, sandbox):
    first = cli.run("export", "users", SMALL, "--format", "jsonl")
    assert first.returncode == 0, first.stderr
    (path,) = files.profile_databases("default", Path(cli.env["XDG_CACHE_HOME"]) / "promo-tui")
    made_by_version(path, schema.SCHEMA_VERSION - 1)
    for cached in ((), ("--cached",)):
        again = cli.run("export", "users", SMALL, "--format", "jsonl", *cached)
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout
        assert ("upgrading the cache" in again.stderr) == (not cached)  # once
