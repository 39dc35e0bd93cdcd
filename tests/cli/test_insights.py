"""`promo-tui insights` and `promo-tui completion`: the console script over real HTTP."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tui.sandbox import credentials as cr
from tui.store.specs import parse_time

from .conftest import PROMO_TUI, Cli

CLOSED = str(cr.CLOSED_PROMOTION_ID)
COLUMNS = ["date", "participations", "new_users", "coins_added", "coins_removed"]


def exported_days(cli: Cli, kind: str, zone: timezone | ZoneInfo) -> Counter[str]:
    """Records per day, counted here over `export KIND --cached --format jsonl`."""
    result = cli.run("export", kind, CLOSED, "--cached", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    days: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        record = json.loads(line)
        created = record.get("created") or record["transaction"]["created"]
        days[datetime.fromtimestamp(parse_time(created) or 0, zone).date().isoformat()] += 1
    return days


@pytest.mark.parametrize("utc", [False, True], ids=["promotion-timezone", "utc"])
def test_csv_days_equal_counts_over_the_export(cli: Cli, sandbox, utc: bool) -> None:
    flags = ["--utc"] if utc else []
    result = cli.run("insights", CLOSED, "--format", "csv", *flags)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == COLUMNS
    timezone_name = sandbox.state.promotion(int(CLOSED))["timezone"]
    assert timezone_name != "UTC"
    zone = timezone.utc if utc else ZoneInfo(timezone_name)
    said = "days in UTC (instead" if utc else f"days in {timezone_name} (the promotion's"
    assert said in result.stderr
    participations = exported_days(cli, "participations", zone)
    users = exported_days(cli, "users", zone)
    by_day = {row["date"]: row for row in rows}
    assert len(by_day) == len(rows)
    for day in set(participations) | set(users):
        assert int(by_day[day]["participations"]) == participations[day], day
        assert int(by_day[day]["new_users"]) == users[day], day
    for row in rows:
        assert int(row["participations"]) == participations.get(row["date"], 0)
    assert sum(int(r["participations"]) for r in rows) == sandbox.state.count(
        int(CLOSED), "participations"
    )
    assert sum(int(r["new_users"]) for r in rows) == sandbox.state.count(int(CLOSED), "users")


def test_jsonl_table_and_hours(cli: Cli) -> None:
    jsonl = cli.run("insights", CLOSED, "--format", "jsonl", "--by", "hour")
    assert jsonl.returncode == 0, jsonl.stderr
    hours = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert list(hours[0]) == COLUMNS
    starts = [datetime.fromisoformat(hour["date"]) for hour in hours]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00[+-]\d\d:\d\d", h["date"]) for h in hours)
    assert all(b.timestamp() - a.timestamp() == 3600 for a, b in itertools.pairwise(starts))
    offline = cli.run("insights", CLOSED, "--cached")  # the table, from the cache
    assert offline.returncode == 0, offline.stderr
    lines = offline.stdout.splitlines()
    assert lines[0].split() == COLUMNS
    total = sum(int(line.split()[1].replace(",", "")) for line in lines[1:])
    assert total == sum(h["participations"] for h in hours)
    assert "partly" not in offline.stderr and "cached:" not in offline.stderr


def test_cached_without_a_cache_and_bad_input(cli: Cli) -> None:
    result = cli.run("insights", CLOSED, "--cached")
    assert result.returncode == 1
    assert "run without --cached first" in result.stderr
    bad = cli.run("insights", "abc")
    assert bad.returncode == 2 and "not a numeric id" in bad.stderr
    by = cli.run("insights", CLOSED, "--by", "week")
    assert by.returncode == 2 and "invalid choice" in by.stderr


def cached_participations(cli: Cli) -> int:
    """Participations in the CLI's cache files so far (0 while there is none)."""
    total = 0
    for path in Path(cli.env["XDG_CACHE_HOME"]).rglob("*.sqlite3"):
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                row = conn.execute(
                    "SELECT coalesce(sum(count), 0) FROM scopes WHERE collection = ?",
                    ("participations",),
                ).fetchone()
            total += int(row[0])
        except sqlite3.Error:
            pass
    return total


def test_an_interrupted_refresh_is_labelled_partly_cached(cli: Cli) -> None:
    big = str(cr.BIG_PROMOTION_ID)
    proc = cli.start("insights", big)
    deadline = time.monotonic() + 60
    while cached_participations(cli) < 1000:
        assert proc.poll() is None and time.monotonic() < deadline, "no page was cached"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    result = cli.run("insights", big, "--cached", "--format", "csv")
    assert result.returncode == 0, result.stderr
    cached = cached_participations(cli)
    assert f"participations cached: {cached:,} of ~?" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sum(int(row["participations"]) for row in rows) == cached


# -- completion --------------------------------------------------------------------------------


def completions(script: str, line: str, env: dict[str, str]) -> list[str]:
    """What bash offers for `line` with the completion script loaded."""
    driver = f"""
{script}
COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
_python_argcomplete promo-tui "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    path = str(Path(PROMO_TUI).parent) + ":" + env.get("PATH", "")
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", driver],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PATH": path},
    )
    assert result.returncode == 0, result.stderr
    return [word.strip() for word in result.stdout.splitlines() if word.strip()]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion(cli: Cli) -> None:
    result = cli.run("completion", "bash")
    assert result.returncode == 0 and "complete " in result.stdout
    script = result.stdout
    assert completions(script, "promo-tui ex", cli.env) == ["export"]
    kinds = completions(script, "promo-tui export ", cli.env)
    assert {"participations", "users", "coin-transactions", "prize-types"} <= set(kinds)
    assert completions(script, "promo-tui insights 1 --for", cli.env) == ["--format"]
    assert completions(script, "promo-tui insights 1 --by ", cli.env) == ["day", "hour"]
    config = cli.cwd / "profiles.toml"
    config.write_text('[profiles.work]\n[profiles.home]\n[profiles."weekend"]\n')
    config.chmod(0o600)
    line = f"promo-tui --config {config} --profile w"
    assert sorted(completions(script, line, cli.env)) == ["weekend", "work"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_get_a_script(cli: Cli, shell: str) -> None:
    result = cli.run("completion", shell)
    assert result.returncode == 0 and "promo-tui" in result.stdout
