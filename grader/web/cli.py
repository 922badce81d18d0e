"""`python -m grader users password --name NAME`: set the password for web sign-in."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

Command = Callable[[argparse.Namespace], int]


def register_password(users_sub: Any, guarded: Callable[[Command], Command]) -> None:
    """Add `password` to the `users` command group."""
    cmd = users_sub.add_parser("password", help="set a user's password for the web pages")
    cmd.add_argument("--name", required=True, help="the username")
    cmd.add_argument(
        "--stdin", action="store_true", help="read the password from the first line of stdin"
    )
    cmd.set_defaults(func=guarded(cmd_users_password))


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        print("error: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    return first


def cmd_users_password(args: argparse.Namespace) -> int:
    from grader.cli_service import _services
    from grader.services import web_auth

    password = _read_password(args.stdin)
    if password is None:
        return 1
    web_auth.set_password(_services(), args.name, password)
    print(f"password set for {args.name!r}; they can sign in at /login")
    return 0
