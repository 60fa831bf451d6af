"""`basis users add|list|passwd|disable`: the service's users, with argon2id password hashes.

There is no default user and no default password: the first admin is made here.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from basis.cli.accounts import actor
from basis.cli.app import app, err, out
from basis.errors import UserError

users_app = typer.Typer(help="Add and manage the users of `basis serve`.", no_args_is_help=True)
app.add_typer(users_app, name="users")

RoleOption = Annotated[str, typer.Option("--role", help="admin, trader or viewer.")]


def read_password() -> str:
    """The password: the first line of stdin when it is not a terminal, else asked twice."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserError("no password on stdin (give it as the first line)", field="password")
        return password
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ", field="password")
    return first


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name (lower case, 2–64 characters).")],
    role: RoleOption,
) -> None:
    """Add a user; the password comes from stdin when piped, else from a prompt."""
    from basis.api.auth import add_user
    from basis.api.config import ServiceConfig
    from basis.store.users import UserStore

    password = read_password()
    with UserStore() as store:
        row = add_user(store, name, role, password, ServiceConfig(), actor())
    out.print(f"added user {row.name} ({row.role})", highlight=False)


@users_app.command("passwd")
def passwd(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Set a user's password (ends their sessions); read like `users add`."""
    from basis.api.auth import set_password
    from basis.api.config import ServiceConfig
    from basis.store.users import UserStore

    password = read_password()
    with UserStore() as store:
        set_password(store, name, password, ServiceConfig(), actor())
    out.print(f"password of {name} changed; their sessions are ended", highlight=False)


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="User name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
) -> None:
    """Disable a user (they cannot sign in; their tokens stop working), or --enable."""
    from basis.api.auth import update_user
    from basis.store.users import UserStore

    with UserStore() as store:
        update_user(store, name, disabled=not enable, actor=actor())
    out.print(f"{name} {'enabled' if enable else 'disabled'}", highlight=False)


@users_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="User the token acts as.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")],
    days: Annotated[
        float | None, typer.Option("--days", min=0.001, help="Expires after this many days.")
    ] = None,
) -> None:
    """Create an API token for scripts; it is printed once (only its hash is stored)."""
    from basis.api.auth import create_api_token
    from basis.store.users import UserStore

    with UserStore() as store:
        row, secret = create_api_token(store, name, label, days, actor())
    typer.echo(secret)
    err.print(
        f"token {row.token_id} for {name} ({label}); revoke: DELETE /api/v1/tokens/{row.token_id}",
        highlight=False,
    )


@users_app.command("list")
def list_users() -> None:
    """List users: name, role, state (never a hash)."""
    from basis.store.users import UserStore

    with UserStore() as store:
        found = store.users()
    table = Table(title=f"{len(found)} user(s)", title_justify="left")
    for column in ("name", "role", "created", "state"):
        table.add_column(column)
    for row in found:
        state = "disabled" if row.disabled else "active"
        table.add_row(row.name, row.role, row.created_at.strftime("%Y-%m-%d %H:%M"), state)
    out.print(table)
