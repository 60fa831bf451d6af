"""The account store: sealed credentials, the master key, rotation, and their audit entries."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from basis import audit
from basis.accounts.crypto import derive, key_source
from basis.accounts.records import AccountSecret
from basis.accounts.store import AccountStore
from basis.errors import (
    AccountDisabledError,
    AccountError,
    AccountExistsError,
    AccountNotFoundError,
    CredentialsCorruptError,
    MasterKeyError,
    MasterKeyMismatchError,
)
from basis.store.schema import accounts

SECRET = AccountSecret("key-alpha-0001", "s3cr3t-alpha-PLANTED", None)
OTHER_KEY = base64.b64encode(b"k" * 32).decode()


def test_store_add_then_credentials_round_trip(store: AccountStore) -> None:
    account = store.add("alpha", "binance", SECRET, actor="test", owner="fund", tags=["a"])
    assert account.fingerprint == SECRET.fingerprint()
    assert account.tags == ("a",)
    opened = store.credentials("alpha", actor="test")
    assert (opened.api_key, opened.secret) == (SECRET.api_key, SECRET.secret)


def test_store_ciphertext_never_holds_the_secret(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(accounts)).mappings().one()
    assert SECRET.secret.encode() not in row["ciphertext"]
    assert SECRET.api_key.encode() not in row["ciphertext"]


def test_store_two_adds_use_fresh_nonces(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.add("beta", "binance", SECRET, actor="test")
    with store.engine.connect() as connection:
        nonces = connection.execute(sa.select(accounts.c.nonce)).scalars().all()
    assert len(set(nonces)) == 2


def test_store_ciphertext_moved_to_another_account_is_refused(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.add("beta", "binance", AccountSecret("key-beta", "secret-beta"), actor="test")
    with store.engine.begin() as connection:
        alpha = (
            connection.execute(sa.select(accounts).where(accounts.c.name == "alpha"))
            .mappings()
            .one()
        )
        connection.execute(
            sa.update(accounts)
            .where(accounts.c.name == "beta")
            .values(nonce=alpha["nonce"], ciphertext=alpha["ciphertext"])
        )
    with pytest.raises(CredentialsCorruptError):
        store.credentials("beta", actor="test")


def test_store_duplicate_name_raises_exists(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    with pytest.raises(AccountExistsError):
        store.add("alpha", "bybit", SECRET, actor="test")


@pytest.mark.parametrize("name", ["", "Alpha", "a b", "-a", "x" * 33])
def test_store_bad_name_raises_account_error(store: AccountStore, name: str) -> None:
    with pytest.raises(AccountError):
        store.add(name, "binance", SECRET, actor="test")


def test_store_okx_without_passphrase_raises_account_error(store: AccountStore) -> None:
    with pytest.raises(AccountError, match="passphrase"):
        store.add("o", "okx", SECRET, actor="test")


def test_store_disabled_account_refuses_credentials(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.set_active("alpha", False, actor="test")
    with pytest.raises(AccountDisabledError):
        store.credentials("alpha", actor="test")
    store.set_active("alpha", True, actor="test")
    assert store.credentials("alpha", actor="test").secret == SECRET.secret


def test_store_remove_deletes_the_account(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.remove("alpha", actor="test")
    with pytest.raises(AccountNotFoundError):
        store.get("alpha")


def test_store_wrong_master_key_raises_mismatch(database_url: str, store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    other = AccountStore.open(database_url, environ={"BASIS_MASTER_KEY": OTHER_KEY})
    with other, pytest.raises(MasterKeyMismatchError):
        other.credentials("alpha", actor="test")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"BASIS_MASTER_KEY": "not base64!"},
        {"BASIS_MASTER_KEY": base64.b64encode(b"short").decode()},
        {"BASIS_MASTER_KEY": OTHER_KEY, "BASIS_MASTER_PASSPHRASE": "pass-xyz-9"},
    ],
)
def test_store_missing_or_malformed_master_key_raises(
    database_url: str, environ: dict[str, str]
) -> None:
    store = AccountStore.open(database_url, environ=environ)
    with store, pytest.raises(MasterKeyError) as raised:
        store.add("alpha", "binance", SECRET, actor="test")
    for value in environ.values():
        assert value not in str(raised.value)


def test_store_passphrase_key_opens_with_the_stored_salt(database_url: str) -> None:
    environ = {"BASIS_MASTER_PASSPHRASE": "correct horse battery staple"}
    with AccountStore.open(database_url, environ=environ) as store:
        store.add("alpha", "binance", SECRET, actor="test")
    with AccountStore.open(database_url, environ=environ) as store:
        assert store.credentials("alpha", actor="test").secret == SECRET.secret
    wrong = AccountStore.open(database_url, environ={"BASIS_MASTER_PASSPHRASE": "wrong"})
    with wrong, pytest.raises(MasterKeyMismatchError):
        wrong.credentials("alpha", actor="test")


def test_store_rotate_reseals_every_account_under_the_new_key(
    database_url: str, store: AccountStore
) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.add("beta", "bybit", AccountSecret("kb", "sb"), actor="test")
    new = key_source({"BASIS_MASTER_PASSPHRASE": "new passphrase"})
    assert new is not None
    assert store.rotate(new, actor="test") == 2
    with pytest.raises(MasterKeyError):
        store.credentials("alpha", actor="test")
    environ = {"BASIS_MASTER_PASSPHRASE": "new passphrase"}
    with AccountStore.open(database_url, environ=environ) as rotated:
        assert rotated.credentials("alpha", actor="test").secret == SECRET.secret
        assert rotated.credentials("beta", actor="test").secret == "sb"


def test_store_rotate_with_a_corrupt_record_changes_nothing(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="test")
    store.add("beta", "binance", AccountSecret("kb", "sb"), actor="test")
    with store.engine.begin() as connection:
        connection.execute(
            sa.update(accounts).where(accounts.c.name == "beta").values(ciphertext=b"x" * 40)
        )
    new = key_source({"BASIS_MASTER_KEY": OTHER_KEY})
    assert new is not None
    with pytest.raises(CredentialsCorruptError):
        store.rotate(new, actor="test")
    assert store.credentials("alpha", actor="test").secret == SECRET.secret


def test_store_every_action_is_an_audit_entry(store: AccountStore) -> None:
    store.add("alpha", "binance", SECRET, actor="alice")
    store.credentials("alpha", actor="run:1")
    store.set_active("alpha", False, actor="alice")
    store.remove("alpha", actor="alice")
    chain = audit.verify(store.engine)
    assert [entry.action for entry in chain] == [
        "keys.init",
        "account.add",
        "account.key_use",
        "account.disable",
        "account.remove",
    ]


def test_derive_repr_hides_the_key() -> None:
    source = key_source({"BASIS_MASTER_KEY": OTHER_KEY})
    assert source is not None
    assert OTHER_KEY not in repr(derive(source)) and "kkkk" not in repr(source)
