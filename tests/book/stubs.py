"""Builders for the book tests: the configured market, round-number marks, ready books."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from basis.book import Book, Instrument
from basis.book import factors as f
from basis.config import MarketConfig, load_market
from basis.config.modes import ShareClass

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
T0 = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday, 00:00 UTC: a funding settlement everywhere

ETH_PERP = Instrument.perp("binance", "ETHUSDT")
HL_PERP = Instrument.perp("hyperliquid", "ETHUSDC")
BINANCE_USDT = Instrument.token("binance", "USDT")
WALLET_ETH = Instrument.wallet("ETH")
WALLET_WETH = Instrument.wallet("WETH")
WALLET_WEETH = Instrument.wallet("weETH")
WALLET_USDT = Instrument.wallet("USDT")
WEETH_SUPPLY = Instrument.aave_supply("weETH")
WETH_DEBT = Instrument.aave_debt("WETH")

# Round numbers so golden tests can show their arithmetic.
MARKS: dict[str, float] = {
    f.price("USDT"): 1.0,
    f.price("USDC"): 1.0,
    f.price("ETH"): 2000.0,
    f.price("BTC"): 50_000.0,
    f.price("EIGEN"): 4.0,
    f.protocol_rate("weETH"): 1.05,
    f.market_rate("weETH"): 1.05,
    f.protocol_rate("wstETH"): 1.2,
    f.market_rate("wstETH"): 1.2,
    f.liquidity_index("weETH"): 1.0,
    f.borrow_index("weETH"): 1.0,
    f.liquidity_index("WETH"): 1.0,
    f.borrow_index("WETH"): 1.0,
    f.liquidity_index("USDT"): 1.0,
    f.borrow_index("USDT"): 1.0,
    f.mark(ETH_PERP): 2000.0,
    f.mark(HL_PERP): 2000.0,
}


@functools.cache
def market() -> MarketConfig:
    """The market of the repository's configs/ (binance: 5 % initial, 1 % maintenance)."""
    return load_market(CONFIGS)


def hours(n: float) -> datetime:
    """T0 plus `n` hours."""
    return T0 + timedelta(hours=n)


def book(share_class: ShareClass = "USDT", **marks: float) -> Book:
    """An empty book at T0 on `MARKS`, with `marks` overriding by factor name."""
    return Book(market(), share_class, T0, {**MARKS, **marks})


def funded(share_class: ShareClass = "USDT", account: str = "a", **holdings: float) -> Book:
    """A book at T0 with deposits by instrument name, e.g. `funded(**{"wallet:token:ETH": 1})`."""
    result = book(share_class)
    for name, amount in holdings.items():
        result.deposit(account, Instrument.parse(name), amount)
    return result


def loop(share_class: ShareClass = "ETH", equity_eth: float = 10.0, ltv: float = 0.9) -> Book:
    """An e-mode weETH/WETH loop at `ltv` on `equity_eth`, built atomically with a flash loan.

    weETH at par (1.05 ETH per weETH on both rates), indices 1: collateral
    `E/(1−t)` ETH worth of weETH, debt `E·t/(1−t)` WETH.
    """
    result = funded(share_class, **{"wallet:token:ETH": equity_eth})
    flash = equity_eth * ltv / (1.0 - ltv)
    with result.atomic():
        result.flash_borrow("a", "WETH", flash)
        result.swap("a", WALLET_WETH, flash, WALLET_ETH, flash)
        minted = result.stake("a", "weETH", equity_eth + flash)
        result.set_emode("a", "ETH")
        result.aave_supply("a", "weETH", minted)
        result.aave_borrow("a", "WETH", flash)
        result.flash_repay("a", "WETH", flash)
    return result


def snapshot(target: Book) -> tuple[object, ...]:
    """Everything observable about a book, to compare before and after a refused operation."""
    return (
        target.holdings(),
        tuple(target.entries),
        target.attribution(),
        target.marks().as_dict(),
        target.now,
        target.equity(),
    )


def six_positions() -> Book:
    """A `usdt_market_neutral`-like book with six positions: an e-mode weETH/WETH loop
    (supply, debt), and ETH shorts with their margin cash on binance and hyperliquid."""
    result = funded(
        "USDT",
        **{
            "wallet:token:weETH": 100.0,
            "binance:token:USDT": 50_000.0,
            "hyperliquid:token:USDC": 50_000.0,
        },
    )
    result.set_emode("a", "ETH")
    result.aave_supply("a", "weETH", 100.0)
    result.aave_borrow("a", "WETH", 90.0)
    result.withdraw("a", WALLET_WETH, 90.0)
    result.perp_trade("a", ETH_PERP, -6.0, 2000.0, 0.0)
    result.perp_trade("a", HL_PERP, -9.0, 2000.0, 0.0)
    return result


def step_marks(step: int) -> dict[str, float]:
    """Marks of engine step `step`: a slow ETH wave, growing LST rate, a moving basis."""
    wave = 1.0 + 0.05 * ((step % 200) / 100.0 - 1.0)
    rate = 1.05 * (1.0 + 3e-6 * step)
    return {
        f.price("ETH"): 2000.0 * wave,
        f.mark(ETH_PERP): 2000.0 * wave * (1.0 + 1e-4 * (step % 7)),
        f.mark(HL_PERP): 2000.0 * wave * (1.0 - 1e-4 * (step % 5)),
        f.protocol_rate("weETH"): rate,
        f.market_rate("weETH"): rate * (1.0 - 1e-4 * (step % 3)),
    }


SUPPLY_APR = {"weETH": 0.001}
BORROW_APR = {"WETH": 0.025}
