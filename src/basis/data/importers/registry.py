"""Map a source file path to what it becomes in the catalog (series or parameter document).

A rule matches the end of a file's path (`cex/binance/BTCUSDT_spot_1h.csv`), so a folder
can be imported whole or one sub-folder at a time. The series name, kind, interval and
quote come from the path; the content comes from the layout's importer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import polars as pl

from basis.data.catalog import ParamsDoc, SeriesFrame
from basis.data.importers import aave, benchmarks, cex, chain, params, perp_dex, staking, tokens
from basis.data.importers.spacing import frequency_changes
from basis.data.importers.table import ImportFinding, SourceTable, read_table


@dataclass(frozen=True)
class SeriesRoute:
    """A file that becomes the series `series` through `parse`."""

    series: str
    kind: str
    interval: str
    quote: str | None
    parse: Callable[[SourceTable], pl.DataFrame]

    @property
    def target(self) -> str:
        return self.series

    def load(self, path: Path, name: str) -> tuple[SeriesFrame, list[ImportFinding]]:
        """Read and convert the file, with its findings (the importer's, and a
        `frequency_change` when the row spacing changes inside the file); raises
        `DataMalformedError` naming the file."""
        table = read_table(path, name)
        frame = self.parse(table)
        frequency_changes(table, frame, self.kind)
        loaded = SeriesFrame(self.series, self.kind, name, self.interval, frame, self.quote)
        return loaded, table.findings


@dataclass(frozen=True)
class ParamsRoute:
    """A file that becomes the parameter document `name` through `parse`."""

    name: str
    parse: Callable[[Path, str], dict[str, Any]]

    @property
    def target(self) -> str:
        return self.name

    def load(self, path: Path, name: str) -> tuple[ParamsDoc, list[ImportFinding]]:
        """Read and convert the file (no findings); raises `DataMalformedError`."""
        return ParamsDoc(self.name, name, self.parse(path, name)), []


Route = SeriesRoute | ParamsRoute


def _table(
    convert: Callable[[SourceTable], dict[str, Any]],
) -> Callable[[Path, str], dict[str, Any]]:
    """A parameter parser for a CSV file."""
    return lambda path, name: convert(read_table(path, name))


def _cex_candles(match: re.Match[str]) -> Route:
    venue, market, symbol = match["venue"], match["market"], match["symbol"]
    parse = partial(cex.ohlcv, venue=venue, market=market, symbol=symbol)
    return SeriesRoute(f"{venue}:{market}:{symbol}", "ohlcv", "1h", "USDT", parse)


def _cex_funding(match: re.Match[str]) -> Route:
    venue, symbol = match["venue"], match["symbol"]
    parse = partial(cex.funding, symbol=symbol)
    return SeriesRoute(f"{venue}:funding:{symbol}", "funding", "8h", None, parse)


def _perp_dex_funding(match: re.Match[str]) -> Route:
    venue, base = match["venue"], match["base"]
    parse = partial(perp_dex.funding, base=base)
    return SeriesRoute(f"{venue}:funding:{base}USDC", "funding", "1h", None, parse)


def _aave_rates(match: re.Match[str]) -> Route:
    asset = match["asset"]
    parse = partial(aave.rates, asset=asset)
    return SeriesRoute(f"aave_v3:rates:{asset}", "lending_rates", "1d", "USD", parse)


def _aave_oracle(match: re.Match[str]) -> Route:
    asset, quote = match["asset"], match["quote"]
    parse = partial(aave.oracle, asset=asset, quote=quote)
    return SeriesRoute(f"aave_v3:oracle:{asset}", "oracle", match["interval"], quote, parse)


def _lst_peg(match: re.Match[str]) -> Route:
    lst = match["lst"]
    return SeriesRoute(
        f"staking:lst:{lst}", "lst_rates", "1h", "ETH", partial(staking.peg, lst=lst)
    )


def _token(match: re.Match[str]) -> Route:
    token, quote = match["token"], match["quote"]
    parse = partial(tokens.token_prices, token=token, quote=quote)
    return SeriesRoute(f"uniswap_v3:token:{token}", "token_prices", "1h", quote, parse)


def _fixed(route: Route) -> Callable[[re.Match[str]], Route]:
    return lambda _match: route


_VENUE = r"(?P<venue>binance|bybit|okx)"
_SYMBOL = r"(?P<symbol>[A-Z0-9]+USDT)"
_ASSET = r"(?P<asset>[A-Za-z0-9]+)"

# Pattern of the path's tail → route. Each real file matches exactly one rule (tested).
RULES: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Route]], ...]] = tuple(
    (re.compile(rf"(?:^|/){pattern}$"), build)
    for pattern, build in (
        (rf"cex/{_VENUE}/{_SYMBOL}_(?P<market>spot|perp)_1h\.csv", _cex_candles),
        (rf"cex/{_VENUE}/{_SYMBOL}_funding_8h\.csv", _cex_funding),
        (
            r"perp_dex/(?P<venue>hyperliquid|pacifica)/(?P<base>[A-Z0-9]+)_funding_1h\.csv",
            _perp_dex_funding,
        ),
        (rf"aave_v3/rates_1d/{_ASSET}\.csv", _aave_rates),
        (rf"aave_v3/oracle/{_ASSET}_(?P<quote>USD|ETH)_(?P<interval>1h|1d)\.csv", _aave_oracle),
        (r"staking/(?P<lst>[A-Za-z0-9]+)_peg_1h\.csv", _lst_peg),
        (r"tokens/(?P<token>[A-Z0-9]+)_(?P<quote>WETH)_1h\.csv", _token),
        (
            r"staking/etherfi_rewards\.csv",
            _fixed(
                SeriesRoute("etherfi:rewards:weETH", "rewards", "event", "USD", staking.rewards)
            ),
        ),
        (
            r"chain/ethereum_gas_1h\.csv",
            _fixed(SeriesRoute("ethereum:gas:mainnet", "gas", "1h", None, chain.gas)),
        ),
        (
            r"benchmarks/ethena_susde_1d\.csv",
            _fixed(
                SeriesRoute("ethena:benchmark:sUSDe", "benchmark", "1d", None, benchmarks.susde)
            ),
        ),
        (
            r"cex/margin_requirements_(?P<venue>[a-z]+)\.json",
            lambda match: ParamsRoute(f"{match['venue']}:margin", params.json_document),
        ),
        (
            r"aave_v3/risk_parameters\.json",
            _fixed(ParamsRoute("aave_v3:risk_parameters", params.json_document)),
        ),
        (
            r"aave_v3/risk_parameters_mainnet_snapshot\.csv",
            _fixed(ParamsRoute("aave_v3:risk_parameters_snapshot", _table(params.risk_snapshot))),
        ),
        (
            r"chain/gas_units_by_operation\.json",
            _fixed(ParamsRoute("ethereum:gas_units", params.json_document)),
        ),
        (
            r"execution_costs/summary\.json",
            _fixed(ParamsRoute("execution_costs:summary", params.json_document)),
        ),
        (
            r"staking/etherfi_eigen_distributions\.csv",
            _fixed(ParamsRoute("etherfi:eigen_distributions", _table(params.rows_table))),
        ),
        (
            r"staking/etherfi_ethfi_topups\.csv",
            _fixed(ParamsRoute("etherfi:ethfi_topups", _table(params.rows_table))),
        ),
    )
)


def route_for(path: Path) -> Route | None:
    """The route of the file at `path` (matched on its full POSIX path), or None when no
    importer knows this file name."""
    text = path.as_posix()
    for pattern, build in RULES:
        match = pattern.search(text)
        if match:
            return build(match)
    return None
