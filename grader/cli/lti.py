"""`python -m grader lti ...`: register LMS platforms, manage the tool's keys, run the outbox."""

from __future__ import annotations

import argparse
import json
from typing import Any

from grader.cli import EXIT_OK, open_services


def register(subparsers: Any) -> None:
    """Add the `lti` command group."""
    lti = subparsers.add_parser("lti", help="LTI 1.3: LMS platforms, tool keys, grade passback")
    sub = lti.add_subparsers(dest="lti_command", required=True, metavar="ACTION")

    reg = sub.add_parser("register", help="register an LMS platform (or add deployments to one)")
    reg.add_argument("--issuer", required=True, help="the platform's issuer (iss)")
    reg.add_argument("--client-id", required=True, help="the client_id the LMS gave this tool")
    reg.add_argument(
        "--deployment-id", required=True, action="append", help="a deployment id (repeatable)"
    )
    reg.add_argument("--auth-url", required=True, help="the platform's OIDC authorization URL")
    reg.add_argument("--token-url", required=True, help="the platform's OAuth2 token URL")
    reg.add_argument("--jwks-url", required=True, help="the platform's public key set URL")
    reg.add_argument("--name", default="", help="a name for people (e.g. 'Canvas')")
    reg.add_argument(
        "--frame-origin",
        action="append",
        help="an origin whose pages show ours in a frame (repeatable; default: the issuer's "
        "and the auth URL's; on Canvas add your school's, e.g. https://school.instructure.com)",
    )
    reg.set_defaults(func=cmd_register)

    sub.add_parser("platforms", help="list the registered platforms").set_defaults(
        func=cmd_platforms
    )
    remove = sub.add_parser("remove", help="forget a platform (users and grades stay)")
    remove.add_argument("--id", type=int, required=True)
    remove.set_defaults(func=cmd_remove)

    keys = sub.add_parser("keys", help="the tool's signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_sub.add_parser("list", help="list the keys").set_defaults(func=cmd_keys_list)
    keys_sub.add_parser(
        "rotate", help="add a key that signs from now on (the old one stays published)"
    ).set_defaults(func=cmd_keys_rotate)
    retire = keys_sub.add_parser("retire", help="stop publishing an old key")
    retire.add_argument("--kid", required=True)
    retire.set_defaults(func=cmd_keys_retire)

    sub.add_parser(
        "deliver",
        help="send the grades and webhook events that are due, once (the service does "
        "this every few seconds)",
    ).set_defaults(func=cmd_deliver)
    roster = sub.add_parser("sync-roster", help="read a course's roster from its LMS (NRPS)")
    roster.add_argument("--course", type=int, required=True, help="our course id")
    roster.set_defaults(func=cmd_sync_roster)


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2))


def cmd_register(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import platforms as lti_platforms

    svc = open_services()
    row = lti_platforms.register(
        svc,
        issuer=args.issuer,
        client_id=args.client_id,
        deployment_ids=args.deployment_id,
        auth_url=args.auth_url,
        token_url=args.token_url,
        jwks_url=args.jwks_url,
        name=args.name,
        frame_origins=args.frame_origin,
    )
    print(f"platform {row.id} registered: {row.issuer} (client_id {row.client_id})")
    print(f"deployments: {', '.join(row.deployment_ids)}")
    return EXIT_OK


def cmd_platforms(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import platforms as lti_platforms

    _print([p.model_dump(mode="json") for p in lti_platforms.list_platforms(open_services()).items])
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import platforms as lti_platforms

    lti_platforms.delete_platform(open_services(), args.id)
    print(f"platform {args.id} removed")
    return EXIT_OK


def cmd_keys_list(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import keys as lti_keys

    svc = open_services()
    lti_keys.signing_key(svc)
    _print([k.model_dump(mode="json") for k in lti_keys.list_keys(svc).items])
    return EXIT_OK


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import keys as lti_keys

    key = lti_keys.rotate(open_services())
    print(f"new signing key {key.kid}; retire the old one once the platforms have fetched it")
    return EXIT_OK


def cmd_keys_retire(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import keys as lti_keys

    lti_keys.retire(open_services(), args.kid)
    print(f"key {args.kid} retired (no longer published)")
    return EXIT_OK


def cmd_deliver(args: argparse.Namespace) -> int:
    from grader.services import integrations

    counts = integrations.deliver_due(open_services())
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return EXIT_OK


def cmd_sync_roster(args: argparse.Namespace) -> int:
    from grader.services.integrations.lti import nrps as lti_nrps

    result = lti_nrps.sync(open_services(), None, args.course)
    _print(result)
    return EXIT_OK
