"""``python -m grader ...``: one command line for everything."""

from __future__ import annotations

import argparse
import sys

from . import cli_engine


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_engine.register(sub)
    try:
        from . import cli_service
    except ImportError:  # the service layer is optional for the engine commands
        cli_service = None
    if cli_service is not None:
        cli_service.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except cli_engine.UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return cli_engine.EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
