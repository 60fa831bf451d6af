"""`basis accounts add | list | show | disable | enable | remove` and `basis keys rotate`:
managed accounts with sealed keys (docs/accounts.md). Secrets come from stdin or a hidden
prompt, never from arguments, and are never printed."""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from basis.cli.app import app, out
from basis.config import get_settings
from basis.errors import AccountError, MasterKeyError

if TYPE_CHECKING:
    from basis.accounts.crypto import KeySource
    from basis.accounts.records import Account, AccountSecret

accounts_app = typer.Typer(help="Managed accounts and their encrypted API keys.")
keys_app = typer.Typer(help="The master key that seals every account's API keys.")
app.add_typer(accounts_app, name="accounts", no_args_is_help=True)
app.add_typer(keys_app, name="keys", no_args_is_help=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL; default: the results store.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
NameArgument = Annotated[str, typer.Argument(help="Account name.")]


def actor() -> str:
    """Who is acting, for the audit log: `cli:<OS user>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@accounts_app.command("add")
def add(
    name: NameArgument,
    venue: Annotated[str, typer.Option("--venue", help="Venue (see configs/venues/).")],
    testnet: Annotated[
        bool, typer.Option("--testnet", help="The venue's test environment.")
    ] = False,
    owner: Annotated[str, typer.Option("--owner", help="Who the account belongs to.")] = "",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag; repeatable.")] = None,
    db: DbOption = None,
) -> None:
    """Add an account. The API key, the secret (and the passphrase for OKX) are read from
    stdin, one per line, or from hidden prompts on a terminal; sealed before storing."""
    from basis.accounts.records import check_name
    from basis.accounts.store import AccountStore

    check_name(name)
    _check_venue(venue)
    secret = _read_secret(venue)
    with AccountStore.open(db) as store:
        account = store.add(
            name, venue, secret, actor=actor(), testnet=testnet, owner=owner, tags=tag or ()
        )
    out.print(f"added account {account.name} on {_where(account)}, key {account.fingerprint}")


@accounts_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every account: venue, owner, tags, status and key fingerprint (never the key)."""
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        found = store.list()
    if as_json:
        sys.stdout.write(json.dumps([_document(a) for a in found]) + "\n")
        return
    table = Table(title="accounts", title_justify="left")
    for column in ("name", "venue", "owner", "tags", "status", "key"):
        table.add_column(column)
    for account in found:
        table.add_row(
            account.name,
            _where(account),
            account.owner,
            ", ".join(account.tags),
            account.status,
            account.fingerprint,
        )
    out.print(table)


@accounts_app.command("show")
def show(name: NameArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One account; the key appears only as its fingerprint, the secret never."""
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        document = _document(store.get(name))
    if as_json:
        sys.stdout.write(json.dumps(document) + "\n")
        return
    for key, value in document.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        out.print(f"{key:<12} {shown}", highlight=False)


@accounts_app.command("disable")
def disable(name: NameArgument, db: DbOption = None) -> None:
    """Disable an account: its keys are not opened for any run until it is enabled."""
    _set_active(name, False, db)


@accounts_app.command("enable")
def enable(name: NameArgument, db: DbOption = None) -> None:
    """Enable a disabled account."""
    _set_active(name, True, db)


@accounts_app.command("remove")
def remove(name: NameArgument, db: DbOption = None) -> None:
    """Delete an account and its sealed keys (the audit log keeps that it existed)."""
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        account = store.remove(name, actor=actor())
    out.print(f"removed account {account.name} (key {account.fingerprint})")


@keys_app.command("rotate")
def rotate(db: DbOption = None) -> None:
    """Re-seal every account under a new master key, all or nothing. The current key comes
    from BASIS_MASTER_KEY or BASIS_MASTER_PASSPHRASE; the new one from BASIS_NEW_MASTER_KEY
    or BASIS_NEW_MASTER_PASSPHRASE, else a passphrase read from stdin or a hidden prompt."""
    from basis.accounts.store import AccountStore

    source = _new_key_source()
    with AccountStore.open(db) as store:
        count = store.rotate(source, actor=actor())
    variable = "BASIS_MASTER_PASSPHRASE" if source.kdf == "scrypt" else "BASIS_MASTER_KEY"
    out.print(f"re-sealed {count} accounts under the new key; from now on set {variable} to it")


def _set_active(name: str, active: bool, db: str | None) -> None:
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        account = store.set_active(name, active, actor=actor())
    out.print(f"account {account.name} is {account.status}")


def _check_venue(venue: str) -> None:
    known = sorted(path.stem for path in (get_settings().configs_path / "venues").glob("*.yaml"))
    if venue not in known:
        raise AccountError(f"unknown venue {venue!r}; known: {', '.join(known)}")


def _read_secret(venue: str) -> AccountSecret:
    from basis.accounts.records import PASSPHRASE_VENUES, AccountSecret

    fields = ["API key", "API secret"] + (["passphrase"] if venue in PASSPHRASE_VENUES else [])
    if venue == "pacifica":  # signatures, not HMAC: the account and the key that signs for it
        fields = ["account public key", "agent private key (base58 keypair)"]
    values = _read_hidden(fields)
    return AccountSecret(values[0], values[1], values[2] if len(values) > 2 else None)


def _read_hidden(fields: list[str]) -> list[str]:
    """One value per field: lines of stdin when it is not a terminal, else hidden prompts."""
    if sys.stdin is not None and not sys.stdin.isatty():
        lines = [line.strip() for line in sys.stdin.read().splitlines()]
        values = [line for line in lines if line]
        if len(values) < len(fields):
            raise AccountError(f"stdin must hold {', '.join(fields)}: one per line")
        return values[: len(fields)]
    return [str(typer.prompt(field, hide_input=True)).strip() for field in fields]


def _new_key_source() -> KeySource:
    from basis.accounts.crypto import (
        NEW_MASTER_KEY_ENV,
        NEW_PASSPHRASE_ENV,
        KeySource,
        key_source,
    )

    source = key_source(key_var=NEW_MASTER_KEY_ENV, passphrase_var=NEW_PASSPHRASE_ENV)
    if source is not None:
        return source
    if sys.stdin is not None and sys.stdin.isatty():
        first = typer.prompt("new passphrase", hide_input=True)
        if typer.prompt("new passphrase again", hide_input=True) != first:
            raise MasterKeyError("the two passphrases differ; nothing was changed")
        passphrase = str(first)
    else:
        passphrase = _read_hidden(["new passphrase"])[0]
    if len(passphrase) < 12:
        raise MasterKeyError("the new passphrase is shorter than 12 characters")
    return KeySource("scrypt", passphrase.encode())


def _where(account: Account) -> str:
    return account.venue + (" (testnet)" if account.testnet else "")


def _document(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "venue": account.venue,
        "testnet": account.testnet,
        "owner": account.owner,
        "tags": list(account.tags),
        "status": account.status,
        "key_fingerprint": account.fingerprint,
        "created_at": account.created_at.isoformat(),
        "updated_at": account.updated_at.isoformat(),
    }
