"""API credentials of a venue: from a stored account (sealed, opened in memory when a run
starts), else from the environment: `BASIS_<VENUE>_API_KEY` and `_SECRET`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from basis.accounts.store import AccountStore
from basis.errors import MissingSecretError

__all__ = ["Credentials", "account_credentials", "credentials_from_env"]


@dataclass(frozen=True)
class Credentials:
    """A key and its secret; neither ever appears in a repr, a log line or an error."""

    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)  # OKX

    def __repr__(self) -> str:
        return "Credentials(api_key=***, secret=***)"

    def redact(self, text: str) -> str:
        """`text` with the key, the secret and the passphrase replaced by `***`."""
        for value in (self.secret, self.passphrase or "", self.api_key):
            if value:
                text = text.replace(value, "***")
        return text


def credentials_from_env(venue: str, environ: Mapping[str, str] | None = None) -> Credentials:
    """The credentials of `venue` from `BASIS_<VENUE>_API_KEY` and `BASIS_<VENUE>_SECRET`
    (and `BASIS_<VENUE>_PASSPHRASE` when set, for OKX).

    Raises MissingSecretError naming the variables (never their values) when one is unset.
    """
    env = os.environ if environ is None else environ
    prefix = f"BASIS_{venue.upper()}_"
    key, secret = env.get(prefix + "API_KEY", ""), env.get(prefix + "SECRET", "")
    missing = [name for name, value in (("API_KEY", key), ("SECRET", secret)) if not value]
    if missing:
        raise MissingSecretError(
            f"venue {venue}: set {' and '.join(prefix + m for m in missing)} in the environment"
        )
    return Credentials(key, secret, env.get(prefix + "PASSPHRASE") or None)


def account_credentials(store: AccountStore, name: str, *, actor: str) -> Credentials:
    """The credentials of the stored account `name`, opened in memory (a key-use audit
    entry). Raises what `AccountStore.credentials` raises: not found, disabled, a master
    key that is missing or wrong, a tampered record."""
    secret = store.credentials(name, actor=actor)
    return Credentials(secret.api_key, secret.secret, secret.passphrase)
