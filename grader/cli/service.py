"""Service commands of `python -m grader`: db, users, tokens, exercises import, serve.

SQLAlchemy, Flask and the engine are imported by the commands that use them, when they run.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from typing import Any

from grader.cli import EXIT_FAIL, EXIT_OK, UsageError, fail, open_services
from grader.config import Config
from grader.vocabulary import ROLES

BANNER = """\
Gradient grader is serving:
  Web pages  http://{host}:{port}/
  API        http://{host}:{port}/api/v1   (docs: http://{host}:{port}/api/v1/docs)
  Health     http://{host}:{port}/api/v1/health
Database: {db}   Processes: {workers}, each with a grading pool of {pool} thread(s)

Get started (in another terminal):
  python -m grader users create --role instructor --name alice    # prints alice's token
  python -m grader users create --role student --name bob
  export TOKEN=<alice's token>
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
       -d '{{"title": "Calculus 1"}}' http://{host}:{port}/api/v1/courses
  See docs/service.md for the whole tour.
"""


def register(subparsers: Any) -> None:
    """Add the service commands to the `python -m grader` parser."""
    db = subparsers.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply migrations (default: to the newest)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    down = db_sub.add_parser("downgrade", help="revert migrations to REVISION ('base': all)")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)
    db_sub.add_parser("current", help="print the applied revision").set_defaults(
        func=cmd_db_current
    )

    users = subparsers.add_parser("users", help="user accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = users_sub.add_parser("create", help="create a user; prints the token last")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="the username")
    create.set_defaults(func=cmd_users_create)
    password = users_sub.add_parser("password", help="set a user's password for the web pages")
    password.add_argument("--name", required=True, help="the username")
    password.add_argument(
        "--stdin", action="store_true", help="read the password from the first line of stdin"
    )
    password.set_defaults(func=cmd_users_password)
    sign_out = users_sub.add_parser(
        "sign-out", help="end every web session of a user (sign out everywhere)"
    )
    sign_out.add_argument("--name", required=True, help="the username")
    sign_out.set_defaults(func=cmd_users_sign_out)

    role = users_sub.add_parser(
        "role", help="change a user's site-wide role (LMS launches never grant one)"
    )
    role.add_argument("--name", required=True, help="the username")
    role.add_argument("--role", required=True, choices=ROLES)
    role.set_defaults(func=cmd_users_role)

    tokens = subparsers.add_parser("tokens", help="API tokens")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    revoke = tokens_sub.add_parser("revoke", help="revoke a token, or all of a user's")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token", help="the token's value")
    which.add_argument("--id", type=int, help="the token's id")
    which.add_argument("--user", help="revoke every token of this user")
    revoke.set_defaults(func=cmd_tokens_revoke)

    exercises = subparsers.add_parser("exercises", help="the exercise library")
    ex_sub = exercises.add_subparsers(dest="exercises_command", required=True, metavar="ACTION")
    imp = ex_sub.add_parser("import", help="import YAML files or folders (new versions only)")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.set_defaults(func=cmd_exercises_import)

    serve = subparsers.add_parser("serve", help="run the API service and its grading pool")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8, help="HTTP threads per process")
    serve.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes (gunicorn), each with its own grading pool; 0: one per CPU core; "
        "1: a single waitress process",
    )
    serve.add_argument("--dev", action="store_true", help="Flask's server with the reloader")
    serve.set_defaults(func=cmd_serve)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from grader.db import migrate
    from grader.db.session import make_engine

    engine = make_engine(Config.from_env().database_url)
    migrate.upgrade(engine, args.revision)
    print(f"database at revision {migrate.current_revision(engine)}")
    return EXIT_OK


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from grader.db import migrate
    from grader.db.session import make_engine

    engine = make_engine(Config.from_env().database_url)
    migrate.downgrade(engine, args.revision)
    print(f"database at revision {migrate.current_revision(engine)}")
    return EXIT_OK


def cmd_db_current(args: argparse.Namespace) -> int:
    from grader.db import migrate
    from grader.db.session import make_engine

    engine = make_engine(Config.from_env().database_url)
    print(migrate.current_revision(engine) or "(empty database)")
    return EXIT_OK


def cmd_users_create(args: argparse.Namespace) -> int:
    from grader.services.accounts import users

    created = users.create_user(open_services(), args.name, args.role)
    print(f"created {created.role} {created.username!r} (id {created.id})")
    print("API token (shown once; send it as 'Authorization: Bearer <token>'):")
    print(created.token)
    return EXIT_OK


def _read_password(from_stdin: bool) -> str | None:
    """The new password: the first line of stdin, or asked twice (hidden) on the terminal.

    Without a terminal (a script, a pipe, cron) there is no one to ask: that is a usage error
    pointing to --stdin, not an EOFError traceback.
    """
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise UsageError("no password on stdin: send it as the first line")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask for the password on; in a script, send it on stdin with "
            "--stdin, e.g. echo 'a long password' | python -m grader users password "
            "--name NAME --stdin"
        )
    try:
        first = getpass.getpass("New password: ")
        again = getpass.getpass("Again: ")
    except EOFError:
        raise UsageError("no password given; nothing was changed") from None
    return first if again == first else None


def cmd_users_password(args: argparse.Namespace) -> int:
    from grader.services.accounts import users

    password = _read_password(args.stdin)
    if password is None:
        return fail("the two passwords differ; nothing was changed")
    users.set_password(open_services(), args.name, password)
    print(f"password set for {args.name!r}; they can sign in at /login")
    return EXIT_OK


def cmd_users_sign_out(args: argparse.Namespace) -> int:
    from grader.services.accounts import users

    svc = open_services()
    users.end_sessions(svc, None, users.user_id_of(svc, args.name))
    print(
        f"every web session of {args.name!r} has ended; API tokens are revoked with 'tokens revoke'"
    )
    return EXIT_OK


def cmd_users_role(args: argparse.Namespace) -> int:
    from grader.services.accounts import users

    changed = users.set_role(open_services(), args.name, args.role)
    if changed["previous"] == changed["role"]:
        print(f"{args.name!r} is already a site-wide {changed['role']}; nothing changed")
    else:
        print(f"{args.name!r} is now a site-wide {changed['role']} (was {changed['previous']})")
    return EXIT_OK


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from grader.services.accounts import users

    svc = open_services()
    if args.id is not None:
        users.revoke_token(svc, None, args.id)
        count = 1
    else:
        count = users.revoke_matching(svc, token=args.token, username=args.user)
    print(f"revoked {count} token(s)")
    return EXIT_OK if count else EXIT_FAIL


def cmd_exercises_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from grader.services.exercises import library as exercises

    svc = open_services()
    files = exercises.yaml_files(args.paths)
    with tqdm(total=len(files), unit="file", disable=None, file=sys.stderr) as bar:
        results = exercises.import_files(svc, files, progress=lambda _p: bar.update())
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
        if result["status"] == "invalid":
            print(f"{result['path']}: {result['message']}", file=sys.stderr)
            for problem in result["problems"]:
                line = f":{problem['line']}" if problem.get("line") else ""
                print(
                    f"  {result['path']}{line}: {problem['path']}: {problem['message']}",
                    file=sys.stderr,
                )
        elif result["status"] != "unchanged":
            print(f"{result['status']:>9}  {result['id']} v{result['version']}")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"imported {len(results)} file(s): {summary or 'none'}")
    return EXIT_FAIL if counts.get("invalid") else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import is_running_from_reloader

    from grader import serving
    from grader.app import create_app
    from grader.db import migrate
    from grader.db.session import make_engine

    config = Config.from_env()
    engine = make_engine(config.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    workers = args.workers or serving.default_workers()
    if workers > 1 and not args.dev:
        # Rows a dead process left in `grading` are requeued once, here, before the fork:
        # a worker doing it as it starts would take back its siblings' fresh claims.
        from grader.services.context import Services
        from grader.services.grading import runner as grading

        recovery = Services(config)
        grading.requeue_stuck(recovery, older_than_s=0)
        recovery.db.dispose()
        config = replace(config, recover_on_start=False)
    if not args.dev or is_running_from_reloader():
        db = (
            config.database_url.split("@")[-1]
            if "@" in config.database_url
            else config.database_url
        )
        shown = 1 if args.dev else workers
        print(
            BANNER.format(
                host=args.host, port=args.port, db=db, pool=config.pool_size, workers=shown
            ),
            flush=True,
        )
    if args.dev:
        # the reloader's parent process only watches files: it serves (and grades) nothing
        app = serving.serving_app(config) if is_running_from_reloader() else create_app(config)
        app.run(host=args.host, port=args.port, debug=True, use_reloader=True, threaded=True)
        return EXIT_OK
    if workers > 1:
        serving.run_gunicorn(
            lambda: serving.serving_app(config), args.host, args.port, workers, args.threads
        )
    else:
        serving.run_waitress(serving.serving_app(config), args.host, args.port, args.threads)
    return EXIT_OK
