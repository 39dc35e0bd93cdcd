"""`promo-tui sandbox`: serve the Easypromos and Ezepo sandbox APIs until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import sys

from tui.sandbox import credentials
from tui.sandbox.faults import SPEC_HELP, FaultSpecError, parse_spec

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _rate_limit(value: str) -> int | None:
    """An integer, or 0/none/off for no limit."""
    if value.lower() in ("0", "none", "off"):
        return None
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("the rate limit cannot be negative")
    return number


def _faults(value: str) -> str:
    try:
        parse_spec(value)
    except (FaultSpecError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="serve a local sandbox of the Easypromos and Ezepo APIs",
        description="Serve both APIs on one port: Easypromos under /v2, Ezepo under /api, "
        "the control API under /_sandbox. Runs until Ctrl-C.",
        epilog=SPEC_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default=None,
        help=f"address to bind (default {DEFAULT_HOST}; anything else must be given explicitly)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 = any free port)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument(
        "--minute-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="length of a rate-limit 'minute' in seconds (tests use 1-2)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=200,
        metavar="N",
        help="calls per account per minute (0 = unlimited)",
    )
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=20.0,
        metavar="S",
        help="how long an Ezepo fetch job stays 'working'",
    )
    parser.add_argument(
        "--faults", type=_faults, default=None, metavar="SPEC", help="faults to inject (below)"
    )
    parser.set_defaults(func=run)


def _describe(base_url: str) -> str:
    info = credentials.summary()
    ep, ez = info["easypromos"], info["ezepo"]
    return "\n".join(
        [
            "promo-tui sandbox",
            f"  Easypromos API   {base_url}/v2",
            f"    token          {ep['token']}",
            f"    scoped token   {ep['scoped_token']} (no access to {ep['locked_promotion_id']})",
            f"    other account  {ep['other_account_token']}",
            f"    big promotion  {ep['big_promotion_id']}",
            f"  Ezepo endpoint   {base_url}",
            f"    admin key      {ez['admin_key']}",
            f"    affiliate key  {ez['affiliate_key']} (affid {ez['affiliate_id']})",
            f"  Control API      {base_url}/_sandbox/info",
            "Press Ctrl-C to stop.",
        ]
    )


def run(args: argparse.Namespace) -> int:
    from tui.sandbox.server import SandboxServer

    host = args.host or DEFAULT_HOST
    server = SandboxServer(
        seed=args.seed,
        minute_seconds=args.minute_seconds,
        faults=args.faults,
        job_seconds=args.job_seconds,
        host=host,
        port=args.port,
        rate_limit=args.rate_limit,
        log_requests=True,
    )
    try:
        server.bind()
    except OSError as exc:
        print(f"promo-tui sandbox: cannot listen on {host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    if not _is_loopback(host):
        print(f"warning: listening on {host}: reachable from other machines", file=sys.stderr)
    print(_describe(server.base_url), flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after shutting down
        server.serve_forever()
    print("Sandbox stopped.")
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
