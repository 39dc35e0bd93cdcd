"""`promo-tui completion bash|zsh|fish`: a shell completion script, made by argcomplete.

argcomplete (not a static script) because its completions come from the parser itself, so
every subcommand and option is covered as soon as it exists, fish is served as well as bash and
zsh, and `--profile` completes the profile names of the config file in use (`--config` on the
line, else the default one). The script calls `promo-tui` back with `_ARGCOMPLETE` set; `main`
then completes (`complete`) instead of running, importing argcomplete only then.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui.commands._common import command_parser

SHELLS = ("bash", "zsh", "fish")
PROG = "promo-tui"
INSTALL = {
    "bash": f'eval "$({PROG} completion bash)"                  # in ~/.bashrc',
    "zsh": f'eval "$({PROG} completion zsh)"                   # in ~/.zshrc, after compinit',
    "fish": f"{PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
}

EXAMPLES = tuple(INSTALL.values())


def register(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "completion",
        summary="Print a shell completion script (subcommands, options, profile names).",
        description="Load it once per shell session, or install it as the examples show.",
        examples=EXAMPLES,
    )
    parser.add_argument("shell", metavar="SHELL", choices=SHELLS, help=" | ".join(SHELLS))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import argcomplete

    print(argcomplete.shellcode([PROG], shell=args.shell), end="")
    return 0


def profile_names(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """The profiles of the config file named on the line (or the default one)."""
    from tui.config import ConfigError, read_document
    from tui.paths import config_file

    path = getattr(parsed_args, "config", None) or config_file()
    try:
        profiles = read_document(Path(path).expanduser()).get("profiles", {})
    except ConfigError:
        return []
    return [name for name in profiles if str(name).startswith(prefix)]


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request (the process exits); profiles from the config."""
    import argcomplete

    _attach(parser)
    argcomplete.autocomplete(parser)


def _attach(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if "--profile" in action.option_strings:
            action.completer = profile_names  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _attach(child)
