"""`promo-tui ezepo` end to end against the sandbox's Ezepo instance."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer

from .conftest import Cli


def api_link(server: SandboxServer, affid: str, src: int, link_type: str) -> str:
    params = {"key": cr.EZEPO_ADMIN_KEY, "affid": affid, "src": src, "listid": cr.DEMO_LIST_ID}
    answer = httpx.get(
        f"{server.ezepo_endpoint}/api/links/", params=params | {"link_type": link_type}
    )
    return answer.json()["link"]


def test_key_role_lists_and_affiliates(cli: Cli, sandbox):
    assert cli.run("ezepo", "test").stdout == "admin\n"
    assert cli.run("ezepo", "test", EZEPO_KEY=cr.EZEPO_AFFILIATE_KEY).stdout == "affiliate\n"
    lists = cli.run("ezepo", "lists", "--json")
    assert {item["listid"] for item in json.loads(lists.stdout)} >= {"1", "2", "3", "4"}
    affiliates = cli.run("ezepo", "affiliates", "--json")
    keys = {item["affiliate_key"] for item in json.loads(affiliates.stdout)}
    assert keys == {"***"}
    assert cr.EZEPO_AFFILIATE_KEY not in cli.run("ezepo", "affiliates").stdout


def test_hostile_list_notes_are_inert_in_the_table(cli: Cli, sandbox):
    table = cli.run("ezepo", "lists").stdout
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    assert "=SUM(A1)" in table  # shown as text


def test_link_is_the_apis_alone_on_stdout(cli: Cli, sandbox):
    for src, number in (("internal", 1), ("4", 4)):
        result = cli.run(
            "ezepo",
            "link",
            "--affid",
            cr.DEMO_AFFILIATE_ID,
            "--src",
            src,
            "--listid",
            cr.DEMO_LIST_ID,
            "--type",
            "unsub",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == api_link(sandbox, cr.DEMO_AFFILIATE_ID, number, "unsub") + "\n"
        assert result.stderr == ""


def test_link_copy_says_when_no_clipboard(cli: Cli, sandbox):
    result = cli.run(
        "ezepo",
        "link",
        "--affid",
        cr.DEMO_AFFILIATE_ID,
        "--src",
        "cake",
        "--listid",
        cr.DEMO_LIST_ID,
        "--type",
        "download",
        "--copy",
        PATH="/nonexistent",
    )
    assert result.returncode == 0
    assert result.stdout == api_link(sandbox, cr.DEMO_AFFILIATE_ID, 2, "download") + "\n"
    assert "could not copy" in result.stderr


def test_links_one_row_per_affiliate(cli: Cli, sandbox):
    result = cli.run(
        "ezepo", "links", "--listid", cr.DEMO_LIST_ID, "--type", "unsub", "--format", "csv"
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["affid"] for row in rows] == ["101", "102", "103"]
    sources = {"Internal": 1, "Cake": 2, "Everflow": 3}
    for row in rows:
        assert row["link"] == api_link(sandbox, row["affid"], sources[row["source"]], "unsub")


def test_fetch_writes_the_unzipped_list(cli: Cli, sandbox):
    result = cli.run("ezepo", "fetch", "2", "--format", "md5", "-o", "lists", "--poll", "0.2")
    assert result.returncode == 0, result.stderr
    path, count = result.stdout.rstrip("\n").split("\t")
    files = [p for p in Path(path).rglob("*") if p.is_file()]
    lines = [line for f in files for line in f.read_text().splitlines() if line]
    assert int(count) == len(lines) == 2000
    assert Path(path).is_relative_to(cli.cwd / "lists")


def test_newlist_creates_a_list(cli: Cli, sandbox):
    result = cli.run(
        "ezepo",
        "newlist",
        "--listid",
        "77",
        "--name",
        "Cron list",
        "--type",
        "1",
        "--format",
        "txt",
    )
    assert result.returncode == 0, result.stderr
    names = {item["name"] for item in json.loads(cli.run("ezepo", "lists", "--json").stdout)}
    assert "Cron list" in names


@pytest.mark.parametrize(
    "args",
    [
        ("affiliates",),
        ("newlist", "--listid", "78", "--name", "Nope"),
        ("links", "--listid", "1", "--type", "unsub"),
    ],
)
def test_affiliate_key_on_admin_only_command_exits_2(cli: Cli, sandbox, args):
    result = cli.run("ezepo", *args, EZEPO_KEY=cr.EZEPO_AFFILIATE_KEY)
    assert result.returncode == 2
    assert "administrative" in result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
