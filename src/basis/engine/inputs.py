"""Loading what a mode `Needs`: the window it runs on, the venues it can use, its market.

A mode declares its `Needs`; `load_inputs` finds the series in the dataset, picks the
window (the requested one, or the widest every required series covers), drops a perp
venue whose data does not cover that window (allocation 0, with a warning naming the
venue and the window), and aligns the rest into `MarketData`. The p50 priority fee's
single-block outliers are replaced by their trailing median (`basis.data.checks.fees`,
the rule `basis data check` reports them by), with a warning counting the hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from basis.book import Instrument
from basis.config.market import MarketConfig
from basis.data.catalog import Catalog, SeriesInfo
from basis.data.checks.fees import FEE_WINDOW, MIN_FEE_EXCESS_GWEI, filter_fees
from basis.data.panel import Panel, common_window, covered_window, load_panel
from basis.data.resolve import ResolutionPolicy
from basis.data.schema import ROW
from basis.errors import DataCorruptError, DataError, DataMissingError
from basis.model.market import FundingFeed, MarketData, RewardPayout, factor_names_for
from basis.model.needs import Needs, perp_instrument
from basis.model.reserves import ReservePath

__all__ = ["Inputs", "load_inputs"]

SPOT_VENUES = ("binance", "bybit", "okx")
GAS = "ethereum:gas:mainnet"
PRIORITY_FEE = "priority_fee_p50_gwei"
BENCHMARK = "ethena:benchmark:sUSDe"
TOKEN_PRICE_MAX_AGE = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)
MIN_ANNUALISED_WINDOW = dt.timedelta(days=30)
"""Below this window a run warns that its annualised figures are not meaningful."""


@dataclass(frozen=True)
class Inputs:
    """The aligned market of a run, the venues it may trade, and what it must be told."""

    data: MarketData
    venues: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    warnings: tuple[str, ...] = field(default_factory=tuple)
    dropped: Mapping[str, str] = field(default_factory=dict)  # venue → why it has no data


def load_inputs(
    catalog: Catalog,
    dataset: str,
    needs: Needs,
    market: MarketConfig,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    policy: ResolutionPolicy | None = None,
) -> Inputs:
    """Load what `needs` asks for from `dataset` over the window [start, end] (default: the
    widest the data covers): the hourly grid from `start` to `end` inclusive, so the run can
    value its book at `end` (docs/mechanics.md, "The window"); reward payouts in it.

    Raises DataMissingError naming the missing series, or the series whose window does
    not contain the requested one (with the window it has); DataMissingError when no perp
    venue of a hedged mode has data for the window.
    """
    available = {info.series: info for info in catalog.series(dataset)}
    if not available:
        raise DataMissingError(
            f"dataset {dataset!r} is not in the catalog {catalog.root}; "
            f"known: {catalog.datasets() or 'none'}"
        )
    price_series = {asset: _spot_source(asset, available, dataset) for asset in needs.prices}
    core = [*price_series.values()]
    if needs.lst:
        core.append(_require(f"staking:lst:{needs.lst}", available, dataset))
    core += [_require(f"aave_v3:rates:{a}", available, dataset) for a in needs.aave_assets]
    if needs.onchain:
        core.append(_require(GAS, available, dataset))
    window = common_window([available[name] for name in core])
    start = start or window[0]
    end = end or window[1] - HOUR  # the last hour with data
    stop = end + HOUR  # the panel's grid ends before `stop`: `end` is its last hour
    if start < window[0] or stop > window[1] or end <= start:
        missing = [
            f"{name} covers {_span(*_valued(covered_window(available[name])))}"
            for name in core
            if not covered_window(available[name])[0]
            <= start
            < stop
            <= covered_window(available[name])[1]
        ]
        raise DataMissingError(
            f"the requested window {_span(start, end)} is not inside the data of {dataset!r}: "
            + ("; ".join(missing) or "the window is empty")
            + f"; this mode can run on {_span(*_valued(window))}"
        )
    panel = load_panel(catalog, dataset, core, start, stop, policy)
    warnings = list(panel.notes)
    if end - start < MIN_ANNUALISED_WINDOW:
        warnings.append(
            f"the window is {(end - start) / HOUR:,.0f} hour(s): APR, APY, "
            "volatility, Sharpe, Sortino and Calmar annualise it and mean little below "
            f"{MIN_ANNUALISED_WINDOW.days} days; read the total return"
        )

    venues, perps, funding_panels, marks = [], [], [], []
    dropped: dict[str, str] = {}
    for venue in needs.perp_venues:
        assert needs.perp_base is not None
        perp = perp_instrument(market, venue, needs.perp_base)
        price = _perp_price_source(venue, perp, needs.perp_base, market, available)
        if price != f"{venue}:perp:{perp.symbol}":
            warnings.append(
                f"{venue} has no {perp.symbol} prices in {dataset!r}: its perp is marked at "
                f"{price} (the two venues' basis is taken as zero; funding is {venue}'s own)"
            )
        series = [price, f"{venue}:funding:{perp.symbol}"]
        try:
            for name in series:
                _require(name, available, dataset)
            loaded = load_panel(catalog, dataset, series, start, stop, policy)
        except DataCorruptError:
            raise  # a damaged catalog is never a venue without data
        except DataError as error:
            dropped[venue] = error.message
            warnings.append(
                f"venue {venue} has no usable {perp.symbol} data for {_span(start, end)}: "
                f"allocation 0, its share goes to the other venues ({error})"
            )
            continue
        venues.append(venue)
        perps.append(perp)
        funding_panels.append(loaded)
        marks.append(price)
        warnings += loaded.notes
    if needs.perp_venues and not venues:
        raise DataMissingError(
            f"no perp venue of {list(needs.perp_venues)} has {needs.perp_base} data in "
            f"{dataset!r} for {_span(start, end)}"
        )

    optional = _optional_panel(catalog, dataset, available, BENCHMARK, start, stop, policy)
    names = factor_names_for(
        needs.prices, [needs.lst] if needs.lst else [], needs.aave_assets, [str(p) for p in perps]
    )
    values = np.empty((panel.steps, len(names)))
    columns = _factor_columns(needs, price_series, panel, perps, funding_panels, marks)
    for j, name in enumerate(names):
        values[:, j] = columns[name]
    zeros = np.zeros(panel.steps)
    gas = (
        (panel[f"{GAS}.base_fee_gwei"], _priority_fees(catalog, dataset, panel, warnings))
        if needs.onchain
        else (zeros, zeros)
    )
    data = MarketData(
        dataset=dataset,
        times=panel.times,
        names=tuple(names),
        values=values,
        funding=tuple(
            FundingFeed(
                p,
                np.asarray(fp[f"{p.venue}:funding:{p.symbol}.rate"], dtype=float),
                np.asarray(fp[f"{p.venue}:funding:{p.symbol}.settles"], dtype=bool),
            )
            for p, fp in zip(perps, funding_panels, strict=True)
        ),
        base_fee_gwei=np.asarray(gas[0], dtype=float),
        priority_fee_gwei=np.asarray(gas[1], dtype=float),
        supply_apr={
            a: np.asarray(panel[f"aave_v3:rates:{a}.supply_rate"], dtype=float)
            for a in needs.aave_assets
        },
        borrow_apr={
            a: np.asarray(panel[f"aave_v3:rates:{a}.borrow_rate"], dtype=float)
            for a in needs.aave_assets
        },
        benchmark_apy=None
        if optional is None
        else np.asarray(optional[f"{BENCHMARK}.apy"], dtype=float),
        rewards=_rewards(catalog, dataset, available, needs, market, start, end, warnings),
        volume=_volumes(needs, panel.steps, perps, funding_panels, marks),
        reserves={
            a: ReservePath(
                np.asarray(panel[f"aave_v3:rates:{a}.total_supply"], dtype=float),
                np.asarray(panel[f"aave_v3:rates:{a}.total_variable_debt"], dtype=float),
            )
            for a in needs.aave_assets
        },
    )
    return Inputs(data, tuple(venues), start, end, tuple(warnings), dropped)


def _require(name: str, available: dict[str, SeriesInfo], dataset: str) -> str:
    if name not in available:
        raise DataMissingError(f"dataset {dataset!r} has no series {name!r}, which this mode needs")
    return name


def _priority_fees(catalog: Catalog, dataset: str, panel: Panel, warnings: list[str]) -> np.ndarray:
    """The panel's p50 priority fee with its fee outliers replaced by their trailing median.

    The rule also sees the `FEE_WINDOW` − 1 observations before the window, as `basis data
    check` does, so the first hours of a run are judged on the same day of history; it uses
    no later hour. Appends a warning counting the replaced hours when there are any.
    """
    fees = np.asarray(panel[f"{GAS}.{PRIORITY_FEE}"], dtype=float)
    before = (
        catalog.read(dataset, GAS)
        .filter(pl.col("ts") < panel.start)
        .sort("ts", ROW)
        .unique("ts", keep="first", maintain_order=True)
        .filter(pl.col(PRIORITY_FEE).is_not_null() & pl.col(PRIORITY_FEE).is_not_nan())
        .tail(FEE_WINDOW - 1)[PRIORITY_FEE]
        .to_numpy()
    )
    filtered, outliers = filter_fees(np.concatenate([before, fees]))
    filtered, outliers = filtered[before.size :], outliers[before.size :]
    if outliers.any():
        largest = int(np.argmax(np.where(outliers, fees - filtered, -np.inf)))
        moment = dt.datetime.fromtimestamp(int(panel.times[largest]), dt.UTC)
        warnings.append(
            f"{GAS}: {int(outliers.sum())} hour(s) of outlier p50 priority fee (at least "
            f"{MIN_FEE_EXCESS_GWEI:g} gwei above the median of the last {FEE_WINDOW} hours; "
            f"largest {fees[largest]:.5g} gwei at {moment:%Y-%m-%d %H:%M} UTC) priced at "
            "that median instead, as `basis data check` flags them"
        )
    return filtered


def _spot_source(asset: str, available: dict[str, SeriesInfo], dataset: str) -> str:
    """The USD price of `asset`: the first CEX spot series present, else Aave's oracle."""
    candidates = [f"{venue}:spot:{asset}USDT" for venue in SPOT_VENUES]
    if asset == "ETH":
        candidates.append("aave_v3:oracle:WETH")
    for name in candidates:
        if name in available:
            return name
    raise DataMissingError(f"dataset {dataset!r} has no {asset} price; looked for {candidates}")


def _optional_panel(
    catalog: Catalog,
    dataset: str,
    available: dict[str, SeriesInfo],
    name: str,
    start: dt.datetime,
    end: dt.datetime,
    policy: ResolutionPolicy | None,
) -> Panel | None:
    if name not in available:
        return None
    try:
        return load_panel(catalog, dataset, [name], start, end, policy)
    except DataCorruptError:
        raise
    except DataError:
        return None


def _factor_columns(
    needs: Needs,
    price_series: dict[str, str],
    panel: Panel,
    perps: Sequence[Instrument],
    funding_panels: Sequence[Panel],
    marks: Sequence[str],
) -> dict[str, np.ndarray]:
    ones = np.ones(panel.steps)
    columns: dict[str, np.ndarray] = {"price:USDT": ones, "price:USDC": ones}
    for asset, series in price_series.items():
        columns[f"price:{asset}"] = np.asarray(panel[f"{series}.price"], dtype=float)
    if needs.lst:
        lst = f"staking:lst:{needs.lst}"
        columns[f"protocol_rate:{needs.lst}"] = np.asarray(panel[f"{lst}.protocol_rate"], float)
        columns[f"market_rate:{needs.lst}"] = np.asarray(panel[f"{lst}.market_rate"], float)
    for asset in needs.aave_assets:
        rates = f"aave_v3:rates:{asset}"
        columns[f"liquidity_index:aave_v3:{asset}"] = np.asarray(
            panel[f"{rates}.liquidity_index"], float
        )
        columns[f"borrow_index:aave_v3:{asset}"] = np.asarray(
            panel[f"{rates}.variable_borrow_index"], float
        )
    for perp, loaded, mark in zip(perps, funding_panels, marks, strict=True):
        columns[f"mark:{perp}"] = np.asarray(loaded[f"{mark}.price"], float)
    return columns


def _volumes(
    needs: Needs,
    steps: int,
    perps: Sequence[Instrument],
    panels: Sequence[Panel],
    marks: Sequence[str],
) -> dict[str, np.ndarray]:
    """Each perp's last closed hourly volume (base units; NaN where the candles have none)."""
    if not needs.volumes:
        return {}
    volumes = {}
    for perp, loaded, mark in zip(perps, panels, marks, strict=True):
        volume = loaded.columns.get(f"{mark}.volume")
        volumes[str(perp)] = np.full(steps, np.nan) if volume is None else np.asarray(volume, float)
    return volumes


def _perp_price_source(
    venue: str,
    perp: Instrument,
    base: str,
    market: MarketConfig,
    available: Mapping[str, SeriesInfo],
) -> str:
    """The series that marks `perp`: its own prices, or, for a perp DEX whose data has
    funding but no prices (the real Hyperliquid files), the first CEX perp on the same
    base (docs/data.md, "Perp-DEX funding")."""
    own = f"{venue}:perp:{perp.symbol}"
    if own in available or market.venue(venue).kind != "perp_dex":
        return own
    if f"{venue}:funding:{perp.symbol}" not in available:
        return own
    for cex in SPOT_VENUES:
        proxy = f"{cex}:perp:{base}USDT"
        if proxy in available:
            return proxy
    return own


def _rewards(
    catalog: Catalog,
    dataset: str,
    available: dict[str, SeriesInfo],
    needs: Needs,
    market: MarketConfig,
    start: dt.datetime,
    end: dt.datetime,
    warnings: list[str],
) -> tuple[RewardPayout, ...]:
    """The payouts in [start, end], each token priced without looking ahead (one at `start`
    pays nothing: the book holds no LST before its first step)."""
    if not (needs.rewards and needs.lst):
        return ()
    name = f"{market.lsts[needs.lst].protocol}:rewards:{needs.lst}"
    if name not in available:
        return ()
    frame = catalog.read(dataset, name).filter(pl.col("ts").is_between(start, end, closed="both"))
    tokens = {
        token: catalog.read(dataset, f"uniswap_v3:token:{token}").sort("ts")
        if f"uniswap_v3:token:{token}" in available
        else None
        for token in frame["token"].unique().to_list()
    }
    payouts = []
    quoted = 0
    left_out = 0
    for row in frame.sort("ts").iter_rows(named=True):
        token = str(row["token"])
        estimated = bool(row.get("estimated") or False)
        if estimated and not needs.estimated_rewards:
            left_out += 1
            continue
        price_eth = _token_price_eth(tokens[token], row["ts"])
        price_usd = row.get("quoted_price_usd")
        if price_eth is None:
            if price_usd is None or not math.isfinite(price_usd):
                warnings.append(f"{name}: {token} payout at {row['ts']} has no price; skipped")
                continue
            quoted += 1
        payouts.append(
            RewardPayout(
                row["ts"],
                needs.lst,
                token,
                float(row["amount_per_lst"]),
                price_eth,
                None if price_usd is None else float(price_usd),
                estimated,
                row.get("period_start"),
                row.get("period_end"),
            )
        )
    if left_out:
        warnings.append(
            f"{name}: {left_out} payout(s) the vendor marks estimated left out "
            "(exclude_estimated_rewards)"
        )
    if quoted:
        warnings.append(
            f"{name}: {quoted} payout(s) priced at the quoted USD price (no DEX price of the "
            "token within 24 h before the payout)"
        )
    return tuple(payouts)


def _token_price_eth(frame: pl.DataFrame | None, at: dt.datetime) -> float | None:
    """The token's last DEX close in ETH known at `at` (a bar closed by then, <= 24 h old)."""
    if frame is None:
        return None
    known = frame.filter(
        (pl.col("ts") <= at - dt.timedelta(hours=1)) & (pl.col("ts") > at - TOKEN_PRICE_MAX_AGE)
    )
    return None if known.is_empty() else float(known["close"][-1])


def _valued(window: tuple[dt.datetime, dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    """A covered window [first, last + interval) as the run window [first, last hour] a
    book can be valued over."""
    return window[0], window[1] - HOUR


def _span(start: dt.datetime, end: dt.datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC"
