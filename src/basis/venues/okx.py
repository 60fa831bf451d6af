"""OKX: spot and USDT swaps through ccxt's `okx`; simulated trading for `--testnet`.

Simulated trading uses the production host with the header `x-simulated-trading: 1` (ccxt's
`set_sandbox_mode`) and demo API keys. OKX keys come with a passphrase:
`BASIS_OKX_PASSPHRASE`. The client order id is `clOrdId` (≤ 32 letters and digits), sent
through ccxt's unified `clientOrderId`.
"""

from __future__ import annotations

from basis.venues.credentials import Credentials
from basis.venues.profile import Exchange, VenueProfile

__all__ = ["OKX"]


def _use_simulated_trading(exchange: Exchange) -> None:
    exchange.set_sandbox_mode(True)


def _with_passphrase(credentials: Credentials) -> dict[str, str]:
    fields = {"apiKey": credentials.api_key, "secret": credentials.secret}
    if credentials.passphrase:
        fields["password"] = credentials.passphrase
    return fields


OKX = VenueProfile(
    name="okx",
    ccxt_id="okx",
    client_id_param="clientOrderId",  # ccxt → clOrdId
    cash="USDT",
    use_testnet=_use_simulated_trading,
    options={"fetchMarkets": {"types": ["spot", "swap"]}, "fetchCurrencies": False},
    credential_fields=_with_passphrase,
    order_types=("spot", "swap"),
)
