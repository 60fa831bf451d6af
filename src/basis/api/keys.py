"""The key that signs tokens and session cookies: from the settings, else one per data folder.

`prod` cannot start without `BASIS_SECRET_KEY` (the settings refuse); in dev and staging
a random key is created once in `<BASIS_HOME>/secret_key` with mode 0600 and reused, so
sessions survive a restart and no key is ever a constant in the code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

from basis.config.settings import Settings
from basis.errors import ConfigError

KEY_FILE: Final = "secret_key"
MIN_KEY_LENGTH: Final = 32


def signing_key(settings: Settings) -> bytes:
    """The signing key; raises ConfigError when the configured one is too short or the key
    file cannot be read or created, or is readable by others."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        key = settings.secret_key.get_secret_value().encode()
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigError(
                f"BASIS_SECRET_KEY is {len(key)} characters; use at least {MIN_KEY_LENGTH} "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return key
    return _key_file(settings.home / KEY_FILE)


def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot create the secret key file: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"{path}: the secret key file must be private (chmod 600 {path})")
        key = path.read_text().strip().encode()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the secret key file: {error.strerror}") from None
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"{path}: the secret key is too short; delete the file to renew it")
    return key
