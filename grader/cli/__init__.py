"""``python -m grader ...``: one command line for everything.

This module holds what every command shares: the parser, the exit codes, one error style and
the services factory. Each group of commands lives in its own module (`engine`: validate,
check, demo; `service`: db, users, tokens, exercises, serve; `worker`). Registering a command
imports nothing heavy: torch, Flask and SQLAlchemy are imported by the commands that use them,
when they run, so `--help` and `users create` start at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from grader.config import Config, ConfigError
from grader.services.errors import ServiceError

if TYPE_CHECKING:
    from grader.services.context import Services

EXIT_OK = 0  # done
EXIT_FAIL = 1  # the command ran and failed: invalid exercises, a name taken, no such token
EXIT_USAGE = 2  # bad usage or settings: nothing was done
EXIT_BUG = 70  # an error the grader did not expect (a bug): one line, no traceback
EXIT_INTERRUPTED = 130  # Ctrl-C

Command = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad usage, a bad file or bad settings: reported on stderr with exit status 2."""


def fail(message: str, code: int = EXIT_FAIL) -> int:
    """Report `message` the one way every command does, and return the exit status."""
    print(f"error: {message}", file=sys.stderr)
    return code


def open_services(config: Config | None = None) -> Services:
    """The services object of a command, on a database migrated to the newest revision."""
    from grader.db import migrate
    from grader.services.context import Services

    svc = Services(config or Config.from_env())
    migrate.upgrade_if_needed(svc.db.engine)
    return svc


def build_parser() -> argparse.ArgumentParser:
    from grader.cli import engine, lti, service, solution, worker

    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    engine.register(sub)
    solution.register(sub)
    service.register(sub)
    worker.register(sub)
    lti.register(sub)
    return parser


def run_command(func: Command, args: argparse.Namespace) -> int:
    """Run one command; expected failures become a message on stderr and an exit status."""
    try:
        return func(args)
    except (UsageError, ConfigError) as exc:
        return fail(str(exc), EXIT_USAGE)
    except ServiceError as exc:
        for item in exc.details if isinstance(exc.details, list) else []:
            print(f"  {item}", file=sys.stderr)
        return fail(exc.message)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        # Only commands that use the database have imported SQLAlchemy: look it up, never
        # import it here (the engine commands must not pay for it).
        sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
        if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.OperationalError):
            return fail(f"cannot use the database: {str(exc).splitlines()[0]}")
        if os.environ.get("GRADER_DEBUG"):
            raise
        first = (str(exc).splitlines() or [""])[0][:200]
        return fail(
            f"internal error ({type(exc).__name__}: {first}): a bug in the grader, not in "
            "your input; GRADER_DEBUG=1 shows where",
            EXIT_BUG,
        )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)
