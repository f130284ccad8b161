"""``assistant users``: accounts for a shared deployment (``ASSISTANT_AUTH=required``).

Thin: parse, call ``assistant.accounts.Accounts``, print. A password is read from standard
input (``--password-stdin``) or typed twice at a terminal; it is never an argument (arguments
show in ``ps`` and shell history) and never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from assistant.cli.common import EXIT_ERROR, EXIT_OK, print_json, settings_from_args
from assistant.errors import AccountError

if TYPE_CHECKING:
    from assistant.accounts import Accounts

__all__ = ["register"]

_ROLES = "candidate, tutor, evaluator or admin"


def _accounts(args: argparse.Namespace) -> Accounts:
    from assistant.accounts import Accounts
    from assistant.store import Store

    return Accounts(Store.from_settings(settings_from_args(args)))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    if not sys.stdin.isatty():
        raise AccountError("no password given; pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ; run the command again")
    return first


def _add(args: argparse.Namespace) -> int:
    from assistant.accounts import check_name, check_role

    # Checked before the password is read: a typo in the role needs no password typed twice.
    check_name(args.name)
    check_role(args.role)
    a = _accounts(args).add(args.name, args.role, _password(args))
    print(f"added {a.name} ({a.role})")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    users = _accounts(args).all()
    if args.json:
        print_json({"users": [u.to_json() for u in users]})
        return EXIT_OK
    if not users:
        print("no users yet; add one with 'assistant users add NAME --role admin "
              "--password-stdin'")
    for u in users:
        extra = f"  candidates: {', '.join(u.candidates)}" if u.candidates else ""
        print(f"{u.name:<24} {u.role:<10} {'disabled' if u.disabled else 'active'}{extra}")
    return EXIT_OK


def _set_role(args: argparse.Namespace) -> int:
    a = _accounts(args).set_role(args.name, args.role)
    print(f"{a.name} is now a {a.role}")
    return EXIT_OK


def _assign(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    if args.remove:
        accounts.unassign(args.tutor, args.candidate)
        print(f"{args.candidate} is no longer assigned to {args.tutor}")
    else:
        accounts.assign(args.tutor, args.candidate)
        print(f"{args.candidate} is assigned to {args.tutor}")
    return EXIT_OK


def _disable(args: argparse.Namespace) -> int:
    a = _accounts(args).set_disabled(args.name, not args.enable)
    print(f"{a.name} is {'disabled (signed out everywhere)' if a.disabled else 'enabled'}")
    return EXIT_OK


def _passwd(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    name = accounts.get(args.name)
    if name is None:  # before the password is read
        raise AccountError(f"no user named {args.name!r}; list users with 'assistant users list'")
    accounts.set_password(name.name, _password(args))
    print(f"password of {name.name} changed (signed out everywhere)")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "users", help="accounts and roles for a shared deployment (ASSISTANT_AUTH=required)",
        description="Manage the accounts the app signs in with when ASSISTANT_AUTH=required. "
                    f"Roles: {_ROLES}. Passwords are read from standard input "
                    "(--password-stdin) or typed at a terminal, and stored only as argon2 "
                    "hashes.")

    def usage(_: argparse.Namespace) -> int:
        p.print_help()
        return EXIT_ERROR

    p.set_defaults(func=usage)
    cmds = p.add_subparsers(dest="users_command", metavar="ACTION")

    def action(name: str, help_: str, func: Any) -> argparse.ArgumentParser:
        q: argparse.ArgumentParser = cmds.add_parser(name, help=help_, description=help_)
        q.set_defaults(func=func)
        return q

    q = action("add", "add a user with a role and a password", _add)
    q.add_argument("name", metavar="NAME", help="user name (1-40 characters)")
    q.add_argument("--role", required=True, help=_ROLES)
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")

    q = action("list", "list users, roles and tutors' candidates", _list)
    q.add_argument("--json", action="store_true", help="print JSON")

    q = action("set-role", "change a user's role", _set_role)
    q.add_argument("name", metavar="NAME")
    q.add_argument("role", metavar="ROLE", help=_ROLES)

    q = action("assign", "assign a candidate to a tutor (the tutor then reviews their answers)",
               _assign)
    q.add_argument("tutor", metavar="TUTOR")
    q.add_argument("candidate", metavar="CANDIDATE")
    q.add_argument("--remove", action="store_true", help="remove the assignment instead")

    q = action("disable", "disable a user (ends their sessions; --enable undoes it)", _disable)
    q.add_argument("name", metavar="NAME")
    q.add_argument("--enable", action="store_true", help="enable the user again")

    q = action("passwd", "set a user's password (ends their sessions)", _passwd)
    q.add_argument("name", metavar="NAME")
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
