"""The master key (raw from BASIS_MASTER_KEY, or scrypt over BASIS_MASTER_PASSPHRASE) and
AES-256-GCM sealing of credentials with a fresh nonce and the record's associated data."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from basis.errors import CredentialsCorruptError, MasterKeyError

__all__ = [
    "KEY_BYTES",
    "MASTER_KEY_ENV",
    "NEW_MASTER_KEY_ENV",
    "NEW_PASSPHRASE_ENV",
    "PASSPHRASE_ENV",
    "SCRYPT_PARAMS",
    "KeySource",
    "MasterKey",
    "derive",
    "key_source",
    "open_sealed",
    "seal",
]

MASTER_KEY_ENV: Final = "BASIS_MASTER_KEY"
PASSPHRASE_ENV: Final = "BASIS_MASTER_PASSPHRASE"
NEW_MASTER_KEY_ENV: Final = "BASIS_NEW_MASTER_KEY"
NEW_PASSPHRASE_ENV: Final = "BASIS_NEW_MASTER_PASSPHRASE"

KEY_BYTES: Final = 32  # AES-256
NONCE_BYTES: Final = 12  # GCM's standard nonce; random, never reused under one key
SALT_BYTES: Final = 16
SCRYPT_PARAMS: Final[Mapping[str, int]] = {"n": 2**15, "r": 8, "p": 1}
"""scrypt cost: 128 · r · n = 32 MiB of memory per derivation (memory-hard), ~0.1 s."""

Kdf = Literal["raw", "scrypt"]


@dataclass(frozen=True)
class KeySource:
    """Where a master key comes from: 32 raw bytes, or a passphrase for scrypt."""

    kdf: Kdf
    material: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"KeySource(kdf={self.kdf!r}, material=***)"


@dataclass(frozen=True)
class MasterKey:
    """The key that seals every credential, with how it was derived (stored, not secret)."""

    key: bytes = field(repr=False)
    kdf: Kdf
    salt: bytes
    params: dict[str, Any]

    def __repr__(self) -> str:
        return f"MasterKey(kdf={self.kdf!r}, key=***)"


_URL_SAFE: Final = str.maketrans("-_", "+/")


def key_source(
    environ: Mapping[str, str] | None = None,
    *,
    key_var: str = MASTER_KEY_ENV,
    passphrase_var: str = PASSPHRASE_ENV,
) -> KeySource | None:
    """The key source the environment names; None when neither variable is set.

    Raises `MasterKeyError` when both are set (which one wins would be a guess) or the key
    is not base64 (standard or URL-safe) of exactly 32 bytes. Values never appear in a
    message.
    """
    env = os.environ if environ is None else environ
    raw, passphrase = env.get(key_var, ""), env.get(passphrase_var, "")
    if raw and passphrase:
        raise MasterKeyError(f"both {key_var} and {passphrase_var} are set: set one")
    if passphrase:
        return KeySource("scrypt", passphrase.encode())
    if not raw:
        return None
    try:
        # either alphabet: standard, or URL-safe as Fernet-style keys are written
        key = base64.b64decode(raw.strip().translate(_URL_SAFE), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(
            f"{key_var} is not base64 (make one with: python -c 'import base64, os; "
            "print(base64.b64encode(os.urandom(32)).decode())')"
        ) from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{key_var} decodes to {len(key)} bytes; it must be {KEY_BYTES}")
    return KeySource("raw", key)


def derive(
    source: KeySource, salt: bytes | None = None, params: Mapping[str, int] | None = None
) -> MasterKey:
    """The master key of `source`: raw bytes as they are; a passphrase through scrypt with
    `salt` and `params` (a fresh salt and `SCRYPT_PARAMS` when not given)."""
    if source.kdf == "raw":
        return MasterKey(source.material, "raw", b"", {})
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    chosen = dict(SCRYPT_PARAMS if params is None else params)
    scrypt = Scrypt(salt=salt, length=KEY_BYTES, n=chosen["n"], r=chosen["r"], p=chosen["p"])
    return MasterKey(scrypt.derive(source.material), "scrypt", salt, chosen)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> tuple[bytes, bytes]:
    """`(nonce, ciphertext)`: AES-256-GCM under `key` with a fresh random nonce; the tag
    authenticates `plaintext` and `associated` (which is not stored in the ciphertext)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes, what: str) -> bytes:
    """The plaintext of a sealed record. Raises `CredentialsCorruptError` naming `what` when
    the tag fails: the record was edited, or sealed for other associated data or key."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except (InvalidTag, ValueError):
        raise CredentialsCorruptError(
            f"{what}: the stored ciphertext does not authenticate (edited, or moved from "
            "another account); nothing was decrypted"
        ) from None
