"""``python -m fashionclasstic``: what is registered, where the data is, and what past runs
measured (compare, report, explore). Every user mistake ends in one line on stderr, exit 2.

Each command is a module of :mod:`fashionclasstic.commands`."""

from __future__ import annotations

import argparse
import sys

from fashionclasstic.commands import COMMANDS
from fashionclasstic.errors import FashionClassticError

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fashionclasstic", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, passthrough = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = build_parser()
    args = parser.parse_args(argv)
    if passthrough and args.command != "ab":
        parser.error(f"options after -- are for ab only, not {args.command}: {' '.join(passthrough)}")
    args.pytest_options = passthrough
    try:
        return args.run(args)
    except FashionClassticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
