"""The emulator as a separate process, and a client killed with kill -9 mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

import httpx
import pytest

from basis.data.catalog import Catalog
from basis.live.venue import OrderRequest
from basis.venues.binance import BINANCE
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials

from .fixtures import StartEmulator
from .stubs import KEY, SECRET, emulator_process

PERP = "binance:perp:BTCUSDT"
CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from basis.live.venue import OrderRequest
    from basis.venues.binance import BINANCE
    from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
    from basis.venues.credentials import Credentials

    async def main():
        config = CcxtVenueConfig(venue="binance", url=sys.argv[1], throttle=False)
        venue = CcxtVenue(config, BINANCE, Credentials(sys.argv[2], sys.argv[3]))
        await venue.place(OrderRequest("crash-1", "binance:perp:BTCUSDT", "sell", 0.5))
        await venue.place(
            OrderRequest("crash-2", "binance:perp:BTCUSDT", "buy", 0.1, "limit", 1000.0)
        )
        print("placed", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


def client(url: str, body: object) -> object:
    async def main() -> object:
        config = CcxtVenueConfig(venue="binance", url=url, throttle=False)
        venue = CcxtVenue(config, BINANCE, Credentials(KEY, SECRET))
        try:
            return await body(venue)  # type: ignore[operator]
        finally:
            await venue.close()

    return asyncio.run(main())


@pytest.mark.slow
def test_client_killed_with_kill_9_finds_its_orders_after_restart(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    child = subprocess.Popen(
        [sys.executable, "-c", CLIENT, running.url, KEY, SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "placed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    async def restarted(venue: CcxtVenue) -> None:
        filled = await venue.order("crash-1", PERP)
        assert filled is not None and filled.status == "closed"
        assert [o.client_order_id for o in await venue.open_orders()] == ["crash-2"]
        assert (await venue.holdings()).positions[PERP].size == -0.5
        again = await venue.place(OrderRequest("crash-1", PERP, "sell", 0.5))
        assert again == filled  # the journal's retry after the crash makes no second order

    client(running.url, restarted)
    listed = httpx.get(running.url + "/_emulator/orders").json()
    assert [o["client_order_id"] for o in listed] == ["crash-1", "crash-2"]


@pytest.mark.slow
def test_basis_venue_serve_process_trades_with_the_environment_key(
    scenario_catalog: Catalog,
) -> None:
    env = {"BASIS_BINANCE_API_KEY": KEY, "BASIS_BINANCE_SECRET": SECRET}
    with emulator_process(scenario_catalog.root, "--speed", "60", env=env) as url:

        async def trade(venue: CcxtVenue) -> float:
            placed = await venue.place(OrderRequest("proc-1", "binance:spot:BTC", "buy", 0.01))
            return placed.filled

        assert client(url, trade) == 0.01
        [account] = httpx.get(url + "/_emulator/accounts").json()
    assert account["spot"]["BTC"]["free"] == 0.01
    # the adapter keeps spot cash at what a buy needs and sweeps the rest to USDⓈ-M margin
    spot_usdt = account["spot"].get("USDT", {}).get("free", 0.0)
    assert spot_usdt < 0.01
    assert 999_000.0 < account["futures_wallet"] < 1_000_000.0
