"""Sealing: what is sealed opens only with the same key and associated data."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.accounts.crypto import (
    MASTER_KEY_ENV,
    KeySource,
    derive,
    key_source,
    open_sealed,
    seal,
)
from basis.errors import CredentialsCorruptError, MasterKeyError

KEYS = st.binary(min_size=32, max_size=32)


@given(key=KEYS, plain=st.binary(max_size=200), associated=st.binary(max_size=64))
def test_seal_then_open_returns_the_plaintext(key: bytes, plain: bytes, associated: bytes) -> None:
    nonce, sealed = seal(key, plain, associated)
    assert open_sealed(key, nonce, sealed, associated, "x") == plain


@given(
    key=KEYS,
    other=KEYS,
    plain=st.binary(min_size=1, max_size=64),
    associated=st.binary(max_size=16),
    flip=st.integers(0, 10_000),
)
def test_seal_any_change_fails_authentication(
    key: bytes, other: bytes, plain: bytes, associated: bytes, flip: int
) -> None:
    nonce, sealed = seal(key, plain, associated)
    tampered = bytearray(sealed)
    tampered[flip % len(tampered)] ^= 0x01
    attempts = [
        (key, nonce, bytes(tampered), associated),
        (key, nonce, sealed, associated + b"!"),
    ]
    if other != key:
        attempts.append((other, nonce, sealed, associated))
    for attempt in attempts:
        with pytest.raises(CredentialsCorruptError):
            open_sealed(*attempt, "x")


@settings(max_examples=3, deadline=None)
@given(passphrase=st.text(min_size=1, max_size=20))
def test_derive_same_salt_same_key_fresh_salt_new_key(passphrase: str) -> None:
    source = KeySource("scrypt", passphrase.encode())
    small = {"n": 2**10, "r": 8, "p": 1}
    first = derive(source, params=small)
    assert derive(source, first.salt, first.params).key == first.key
    assert derive(source, params=small).key != first.key


def test_a_master_key_reads_in_either_base64_alphabet_and_a_bad_one_is_not_echoed() -> None:
    key = bytes(range(250, 256)) + bytes(26)  # 0xfa…0xff encode to '+' and '/' characters
    standard = base64.b64encode(key).decode()
    url_safe = base64.urlsafe_b64encode(key).decode()
    assert standard != url_safe
    for written in (standard, url_safe, f"  {url_safe}\n"):
        source = key_source({MASTER_KEY_ENV: written})
        assert source == KeySource("raw", key)
    with pytest.raises(MasterKeyError, match=f"{MASTER_KEY_ENV} is not base64") as refused:
        key_source({MASTER_KEY_ENV: "not*base64"})
    assert "not*base64" not in str(refused.value)
    with pytest.raises(MasterKeyError, match="decodes to 16 bytes"):
        key_source({MASTER_KEY_ENV: base64.b64encode(bytes(16)).decode()})
