"""Pacifica's request signing: ed25519 over the canonical JSON of the operation, in base58.

A signed operation (an order, a cancel) is the JSON of `{type, timestamp, expiry_window,
data}` with every object's keys sorted recursively and no spaces; the signature is the
ed25519 signature of its UTF-8 bytes, base58-encoded. The request body carries the header
(`timestamp`, `expiry_window`), the payload's fields flattened, the `account` (the main
account's public key), the `signature`, and `agent_wallet` when an API agent key signs for
the account. Keys are Solana-style: a base58 64-byte keypair (seed + public key).
`solders` does the ed25519 and base58 work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from basis.errors import ConfigError

__all__ = [
    "HEADER_FIELDS",
    "Signer",
    "canonical",
    "message",
    "split_body",
    "verify",
]

HEADER_FIELDS: Final = ("account", "agent_wallet", "signature", "timestamp", "expiry_window")
"""Fields of a signed request body that are not the operation's payload."""


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value


def canonical(value: Any) -> str:
    """Keys sorted at every depth, compact separators, non-ASCII kept as is."""
    return json.dumps(_sorted(value), separators=(",", ":"), ensure_ascii=False)


def message(kind: str, timestamp: int, expiry_window: int, payload: Mapping[str, Any]) -> str:
    """The text that is signed for operation `kind` (e.g. `create_market_order`)."""
    header = {"type": kind, "timestamp": timestamp, "expiry_window": expiry_window}
    return canonical({**header, "data": dict(payload)})


@dataclass(frozen=True)
class Signer:
    """Signs for `account` with `secret` (the account's own key, or an API agent key: then
    `agent_wallet` is the agent's public key). Never shows the secret in a repr."""

    account: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        self._keypair()  # a malformed key fails when the venue is opened, not at first order

    def _keypair(self) -> Any:
        from solders.keypair import Keypair

        try:
            return Keypair.from_base58_string(self.secret.strip())
        except ValueError:
            raise ConfigError(
                "pacifica: the secret must be a base58 ed25519 keypair (64 bytes, as Solana "
                "wallets export it)"
            ) from None

    @property
    def public_key(self) -> str:
        return str(self._keypair().pubkey())

    @property
    def agent_wallet(self) -> str | None:
        """The agent's public key when the key is not the account's own."""
        key = self.public_key
        return None if key == self.account else key

    def sign(
        self, kind: str, payload: Mapping[str, Any], timestamp: int, expiry_window: int
    ) -> dict[str, Any]:
        """The request body of operation `kind` with `payload`, signed."""
        text = message(kind, timestamp, expiry_window, payload)
        signature = str(self._keypair().sign_message(text.encode()))
        body: dict[str, Any] = {
            "account": self.account,
            "signature": signature,
            "timestamp": timestamp,
            "expiry_window": expiry_window,
            **payload,
        }
        if (agent := self.agent_wallet) is not None:
            body["agent_wallet"] = agent
        return body


def split_body(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A signed body's header fields and its payload."""
    header = {k: body[k] for k in HEADER_FIELDS if k in body}
    payload = {k: v for k, v in body.items() if k not in HEADER_FIELDS}
    return header, payload


def verify(kind: str, body: Mapping[str, Any]) -> bool:
    """True when `body` is `kind` signed by its `agent_wallet` (or else its `account`)."""
    from solders.pubkey import Pubkey
    from solders.signature import Signature

    header, payload = split_body(body)
    try:
        signer = Pubkey.from_string(str(header.get("agent_wallet") or header["account"]))
        signature = Signature.from_string(str(header["signature"]))
        text = message(kind, int(header["timestamp"]), int(header["expiry_window"]), payload)
    except (KeyError, ValueError, TypeError):
        return False
    return bool(signature.verify(signer, text.encode()))
