"""The account store: managed accounts with their credentials sealed under the master key,
every change and every key use recorded in the audit log in the same transaction."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Self

import sqlalchemy as sa

from basis import audit
from basis.accounts.crypto import (
    MASTER_KEY_ENV,
    PASSPHRASE_ENV,
    KeySource,
    MasterKey,
    derive,
    key_source,
    open_sealed,
    seal,
)
from basis.accounts.records import PASSPHRASE_VENUES, Account, AccountSecret, check_name
from basis.errors import (
    AccountDisabledError,
    AccountError,
    AccountExistsError,
    AccountNotFoundError,
    CredentialsCorruptError,
    MasterKeyError,
    MasterKeyMismatchError,
)
from basis.store.database import Database
from basis.store.results import open_database
from basis.store.schema import accounts, keyring

__all__ = ["AccountStore"]

_MASTER: Final = "master"
_CHECK: Final = b"basis key store v1"
_KEYRING_AAD: Final = b"basis/keyring/v1"
_NO_KEY: Final = (
    f"no master key: set {MASTER_KEY_ENV} (base64 of 32 random bytes) or {PASSPHRASE_ENV}"
)


def _associated(name: str, venue: str) -> bytes:
    """What a credential's tag binds it to: a ciphertext copied to another row fails."""
    return f"basis/account/v1\x00{name}\x00{venue}".encode()


class AccountStore(Database):
    """Managed accounts in the results database (SQLite or PostgreSQL).

    The master key comes from `environ` (the process environment by default) each time a
    credential is sealed or opened; it is never stored. Each public call is one transaction
    holding its audit entry, so a change and its record commit together or not at all.
    """

    def __init__(
        self,
        engine: sa.Engine,
        url: str,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(engine, url)
        self._environ = environ
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def open(cls, url: str | None = None, *, environ: Mapping[str, str] | None = None) -> Self:
        """The store in the database `url` (default: the results store), migrated."""
        engine, _, display = open_database(url, "accounts")
        return cls(engine, display, environ=environ)

    # -- accounts -----------------------------------------------------------------------

    def add(
        self,
        name: str,
        venue: str,
        secret: AccountSecret,
        *,
        actor: str,
        testnet: bool = False,
        owner: str = "",
        tags: Iterable[str] = (),
    ) -> Account:
        """Store a new account with its credentials sealed; return it (without them).

        Raises `AccountError` for a bad name or missing credential, `AccountExistsError`
        when the name is taken, `MasterKeyError` when no usable master key is set.
        """
        check_name(name)
        if not secret.api_key or not secret.secret:
            raise AccountError(f"account {name}: the API key and the secret must not be empty")
        if venue in PASSPHRASE_VENUES and not secret.passphrase:
            raise AccountError(f"account {name}: {venue} keys need their passphrase")
        with self._engine.begin() as connection:
            master = self._unlock(connection, actor)
            if self._row(connection, name) is not None:
                raise AccountExistsError(f"account {name!r} exists; remove it first")
            nonce, sealed = seal(master.key, secret.to_bytes(), _associated(name, venue))
            now = self._clock()
            row = {
                "name": name,
                "venue": venue,
                "testnet": testnet,
                "owner": owner,
                "tags": sorted(set(tags)),
                "limits": {},
                "status": "active",
                "fingerprint": secret.fingerprint(),
                "nonce": nonce,
                "ciphertext": sealed,
                "created_at": now,
                "updated_at": now,
            }
            connection.execute(sa.insert(accounts), row)
            account = _account(row)
            details = {"venue": venue, "testnet": testnet, "owner": owner, "tags": row["tags"]}
            details["fingerprint"] = account.fingerprint
            audit.record(connection, actor, "account.add", name, details, clock=self._clock)
            return account

    def list(self) -> list[Account]:
        """Every account, by name."""
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(accounts).order_by(accounts.c.name)).mappings()
            return [_account(row) for row in rows]

    def find(self, name: str) -> Account | None:
        """The account called `name`, or None."""
        with self._engine.connect() as connection:
            row = self._row(connection, name)
            return None if row is None else _account(row)

    def get(self, name: str) -> Account:
        """The account called `name`; raises `AccountNotFoundError` naming the known ones."""
        found = self.find(name)
        if found is None:
            known = ", ".join(account.name for account in self.list()) or "none"
            raise AccountNotFoundError(f"no account {name!r} (accounts: {known})")
        return found

    def set_active(self, name: str, active: bool, *, actor: str) -> Account:
        """Enable or disable an account: a disabled account's credentials are never opened."""
        self.get(name)
        status = "active" if active else "disabled"
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(accounts)
                .where(accounts.c.name == name)
                .values(status=status, updated_at=self._clock())
            )
            action = "account.enable" if active else "account.disable"
            audit.record(connection, actor, action, name, {}, clock=self._clock)
        return self.get(name)

    def remove(self, name: str, *, actor: str) -> Account:
        """Delete an account and its sealed credentials; return what it was."""
        account = self.get(name)
        with self._engine.begin() as connection:
            connection.execute(sa.delete(accounts).where(accounts.c.name == name))
            details = {"venue": account.venue, "fingerprint": account.fingerprint}
            audit.record(connection, actor, "account.remove", name, details, clock=self._clock)
        return account

    def credentials(self, name: str, *, actor: str) -> AccountSecret:
        """Open the credentials of an active account, in memory, and record the key use.

        Raises `AccountNotFoundError`, `AccountDisabledError`, `MasterKeyError` /
        `MasterKeyMismatchError`, or `CredentialsCorruptError` for a tampered record.
        """
        with self._engine.begin() as connection:
            row = self._row(connection, name)
            if row is None:
                raise AccountNotFoundError(f"no account {name!r}")
            if row["status"] != "active":
                raise AccountDisabledError(f"account {name!r} is disabled")
            master = self._unlock(connection, actor)
            plain = open_sealed(
                master.key,
                row["nonce"],
                row["ciphertext"],
                _associated(name, row["venue"]),
                f"account {name}",
            )
            audit.record(
                connection,
                actor,
                "account.key_use",
                name,
                {"venue": row["venue"]},
                clock=self._clock,
            )
            return AccountSecret.from_bytes(plain)

    # -- the master key -----------------------------------------------------------------

    def rotate(self, new: KeySource, *, actor: str) -> int:
        """Re-seal every credential under the key of `new` (fresh nonces, a fresh salt) in one
        transaction: all accounts move to the new key or none does. Returns how many."""
        with self._engine.begin() as connection:
            old = self._unlock(connection, actor)
            fresh = derive(new)
            rows = connection.execute(sa.select(accounts)).mappings().all()
            for row in rows:
                associated = _associated(row["name"], row["venue"])
                what = f"account {row['name']}"
                plain = open_sealed(old.key, row["nonce"], row["ciphertext"], associated, what)
                nonce, sealed = seal(fresh.key, plain, associated)
                connection.execute(
                    sa.update(accounts)
                    .where(accounts.c.name == row["name"])
                    .values(nonce=nonce, ciphertext=sealed, updated_at=self._clock())
                )
            connection.execute(sa.delete(keyring).where(keyring.c.name == _MASTER))
            self._write_keyring(connection, fresh)
            details = {"accounts": len(rows), "from": old.kdf, "to": fresh.kdf}
            audit.record(connection, actor, "keys.rotate", _MASTER, details, clock=self._clock)
            return len(rows)

    def _unlock(self, connection: sa.Connection, actor: str) -> MasterKey:
        """The master key from the environment, checked against the stored check value; on
        first use the key store is initialised with it. The key store's write lock is taken
        first (a write: SQLite's database lock, PostgreSQL's row lock on the keyring), so a
        rotation and a sealing never interleave."""
        connection.execute(sa.update(keyring).where(keyring.c.name == _MASTER).values(name=_MASTER))
        stored = (
            connection.execute(sa.select(keyring).where(keyring.c.name == _MASTER))
            .mappings()
            .first()
        )
        source = key_source(self._environment())
        if source is None:
            raise MasterKeyError(_NO_KEY)
        if stored is None:
            master = derive(source)
            self._write_keyring(connection, master)
            audit.record(
                connection, actor, "keys.init", _MASTER, {"kdf": master.kdf}, clock=self._clock
            )
            return master
        if stored["kdf"] != source.kdf:
            wanted = PASSPHRASE_ENV if stored["kdf"] == "scrypt" else MASTER_KEY_ENV
            raise MasterKeyError(f"the key store was sealed with {wanted}: set it instead")
        master = derive(source, stored["salt"], stored["params"])
        try:
            open_sealed(master.key, stored["nonce"], stored["check"], _KEYRING_AAD, "key store")
        except CredentialsCorruptError:
            raise MasterKeyMismatchError(
                "the master key does not open this key store (wrong key or passphrase)"
            ) from None
        return master

    def _write_keyring(self, connection: sa.Connection, master: MasterKey) -> None:
        nonce, check = seal(master.key, _CHECK, _KEYRING_AAD)
        connection.execute(
            sa.insert(keyring),
            {
                "name": _MASTER,
                "kdf": master.kdf,
                "params": master.params,
                "salt": master.salt,
                "nonce": nonce,
                "check": check,
                "updated_at": self._clock(),
            },
        )

    def _environment(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    @staticmethod
    def _row(connection: sa.Connection, name: str) -> Mapping[Any, Any] | None:
        return (
            connection.execute(sa.select(accounts).where(accounts.c.name == name))
            .mappings()
            .first()
        )


def _account(row: Mapping[Any, Any]) -> Account:
    return Account(
        name=row["name"],
        venue=row["venue"],
        testnet=bool(row["testnet"]),
        owner=row["owner"],
        tags=tuple(row["tags"]),
        status=row["status"],
        fingerprint=row["fingerprint"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
