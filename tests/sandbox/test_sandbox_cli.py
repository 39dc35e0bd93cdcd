"""`promo-tui sandbox`: its flags, and a real run that serves until interrupted."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from tui.commands import sandbox as command
from tui.sandbox import credentials as cr


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="promo-tui")
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sandbox", *argv])


def test_defaults() -> None:
    args = parse()
    assert (args.host, args.port, args.seed, args.minute_seconds) == (None, 8765, 1, 60.0)
    assert args.rate_limit == 200 and args.faults is None and args.func is command.run


def test_every_flag() -> None:
    args = parse(
        "--host", "0.0.0.0", "--port", "0", "--seed", "7", "--minute-seconds", "1.5",
        "--rate-limit", "off", "--job-seconds", "0.2", "--faults", "500:0.05,slow:0.1:2.0",
    )  # fmt: skip
    assert (args.host, args.port, args.seed, args.minute_seconds) == ("0.0.0.0", 0, 7, 1.5)
    assert args.rate_limit is None and args.job_seconds == 0.2
    assert args.faults == "500:0.05,slow:0.1:2.0"


@pytest.mark.parametrize("argv", [["--faults", "boom"], ["--rate-limit", "-3"], ["--port", "x"]])
def test_bad_flags_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)


def test_help_documents_the_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("--help")
    text = capsys.readouterr().out
    assert "500:0.05,reset:0.02,slow:0.1:2.0" in text and "phase=before|after" in text


def test_serves_until_interrupted_and_logs_each_request_with_its_key_masked() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "--port", "0", "--job-seconds", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = "".join(iter(process.stdout.readline, "Press Ctrl-C to stop.\n"))
        assert cr.DEMO_TOKEN in banner and cr.EZEPO_ADMIN_KEY in banner
        match = re.search(r"Ezepo endpoint\s+(http://127\.0\.0\.1:\d+)", banner)
        assert match is not None
        answer = httpx.get(f"{match.group(1)}/api/test/", params={"key": cr.EZEPO_ADMIN_KEY})
        assert answer.json() == {"status": 1}
    finally:
        process.send_signal(signal.SIGINT)
        access, errors = process.communicate(timeout=10)  # uvicorn's access log is on stdout
    assert process.returncode == 0
    assert '"GET /api/test/?key=*** HTTP/1.1" 200' in access, access  # masked
    assert "Logging error" not in errors and cr.EZEPO_ADMIN_KEY not in access + errors, errors
