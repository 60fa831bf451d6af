"""Importers: each source layout to its canonical frame, line numbers, units, malformed input."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basis.data.catalog import ParamsDoc, SeriesFrame
from basis.data.importers import ParamsRoute, SeriesRoute, route_for
from basis.data.importers.table import read_table
from basis.data.schema import ROW, SCHEMAS
from basis.errors import DataMalformedError
from tests.data.source_files import AAVE_RATES, BINANCE_FUNDING, BINANCE_SPOT, write

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def load(root: Path, name: str, text: str, *, bom: bool = False, crlf: bool = False) -> object:
    path = write(root, name, text, bom=bom, crlf=crlf)
    route = route_for(path)
    assert route is not None, name
    loaded, _findings = route.load(path, name)
    return loaded


def series(
    root: Path, name: str, text: str, *, bom: bool = False, crlf: bool = False
) -> SeriesFrame:
    item = load(root, name, text, bom=bom, crlf=crlf)
    assert isinstance(item, SeriesFrame)
    assert item.frame.columns == [*SCHEMAS[item.kind], ROW]
    return item


def malformed(root: Path, name: str, text: str) -> str:
    """The one-line message a malformed file raises; it always starts with the file's path."""
    with pytest.raises(DataMalformedError) as caught:
        load(root, name, text)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"[DATA_MALFORMED] {name}: ")
    return message


# -- reading: comments, BOM, CRLF, line numbers, timestamp forms ----------------------------


def test_read_table_bom_comments_crlf_source_row_counts_every_line(tmp_path: Path) -> None:
    # Lines: 1 "# a", 2 "# b", 3 header, 4..5 data → source_row 4 and 5.
    text = "# a\n# b\ntimestamp,oracle_price_usd,asset,source,quote_currency\n"
    text += "2024-01-01 01:00:00+00:00,2282.5,WETH,x,USD\n"
    text += "2024-01-01 02:00:00+00:00,2285.25,WETH,x,USD\n"
    item = series(tmp_path, "aave_v3/oracle/WETH_USD_1h.csv", text, bom=True, crlf=True)
    assert item.frame[ROW].to_list() == [4, 5]
    assert item.frame["price"].to_list() == [2282.5, 2285.25]
    assert item.frame["ts"].to_list() == [at(2024, 1, 1, 1), at(2024, 1, 1, 2)]
    assert (item.series, item.kind, item.interval, item.quote) == (
        "aave_v3:oracle:WETH",
        "oracle",
        "1h",
        "USD",
    )


def test_timestamps_all_forms_same_instants(tmp_path: Path) -> None:
    # 1704074400 = 1704067200 (2024-01-01T00:00Z) + 2 × 3600 → 02:00; +02:00 offset → 01:00 UTC.
    path = write(
        tmp_path,
        "t.csv",
        "ts\n2024-01-01T00:00:00Z\n2024-01-01 03:00:00+02:00\n1704074400\n2024-01-02\n",
    )
    values = read_table(path, "t.csv").timestamps("ts").to_list()
    assert values == [at(2024, 1, 1, 0), at(2024, 1, 1, 1), at(2024, 1, 1, 2), at(2024, 1, 2)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    comments=st.integers(0, 3),
    bom=st.booleans(),
    crlf=st.booleans(),
    rows=st.lists(
        st.tuples(
            st.datetimes(dt.datetime(2001, 1, 1), dt.datetime(2099, 1, 1)).map(
                lambda value: value.replace(microsecond=0, tzinfo=UTC)
            ),
            st.sampled_from(["iso", "offset", "unix"]),
            st.floats(allow_nan=False, allow_infinity=False, width=64),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_read_table_any_forms_values_and_line_numbers_survive(
    tmp_path: Path,
    comments: int,
    bom: bool,
    crlf: bool,
    rows: list[tuple[dt.datetime, str, float]],
) -> None:
    forms = {
        "iso": lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "offset": lambda t: t.strftime("%Y-%m-%d %H:%M:%S+00:00"),
        "unix": lambda t: str(int(t.timestamp())),
    }
    lines = [f"# meta {i}" for i in range(comments)] + ["ts,value"]
    lines += [f"{forms[form](when)},{value!r}" for when, form, value in rows]
    path = write(tmp_path, "p.csv", "\n".join(lines) + "\n", bom=bom, crlf=crlf)
    table = read_table(path, "p.csv")
    assert table.timestamps("ts").to_list() == [when for when, _, _ in rows]
    assert table.floats("value").to_list() == [value for _, _, value in rows]
    # Header is line comments + 1, so data row i (0-based) is line comments + 2 + i.
    assert table.lines().to_list() == [comments + 2 + i for i in range(len(rows))]


# -- CEX -------------------------------------------------------------------------------------


def test_binance_spot_canonical_columns_and_values(tmp_path: Path) -> None:
    item = series(tmp_path, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    assert (item.series, item.kind, item.interval, item.quote) == (
        "binance:spot:BTCUSDT",
        "ohlcv",
        "1h",
        "USDT",
    )
    assert item.frame.row(0) == (at(2024, 1, 1, 0), 100.0, 110.0, 90.0, 105.0, 2.5, 2)
    assert item.frame.row(1) == (at(2024, 1, 1, 1), 105.0, 120.0, 100.0, 115.0, 1.5, 3)


def test_bybit_perp_layout_volume_in_base_units_unchanged(tmp_path: Path) -> None:
    text = "timestamp,open,high,low,close,volume,source,symbol,data_type,turnover\n"
    text += "2024-01-01T00:00:00Z,2283.88,2299.74,2283.24,2297.63,21078.32,"
    text += "bybit,ETHUSDT,futures,4.8e7\n"
    item = series(tmp_path, "cex/bybit/ETHUSDT_perp_1h.csv", text)
    assert item.series == "bybit:perp:ETHUSDT"
    assert item.frame["volume"].to_list() == [21078.32]


def test_okx_perp_volume_contracts_times_contract_size(tmp_path: Path) -> None:
    # OKX ETH-USDT-SWAP: 1 contract = 0.1 ETH, so 547874.6 contracts = 54787.46 ETH.
    text = "timestamp,open,high,low,close,volume,source,symbol,data_type\n"
    text += "2024-08-01T00:00:00Z,3233.31,3243.0,3214.36,3235.43,547874.6,okx,ETHUSDT,futures\n"
    item = series(tmp_path, "cex/okx/ETHUSDT_perp_1h.csv", text)
    assert item.frame["volume"][0] == pytest.approx(54787.46, rel=1e-12)
    assert item.frame["close"][0] == 3235.43


def test_okx_perp_unknown_contract_size_fails(tmp_path: Path) -> None:
    text = "timestamp,open,high,low,close,volume,source,symbol,data_type\n"
    text += "2024-08-01T00:00:00Z,1,1,1,1,5,okx,SOLUSDT,futures\n"
    message = malformed(tmp_path, "cex/okx/SOLUSDT_perp_1h.csv", text)
    assert "no OKX contract size known for 'SOLUSDT'" in message


def test_funding_duplicates_kept_in_source_order(tmp_path: Path) -> None:
    item = series(tmp_path, "cex/binance/BTCUSDT_funding_8h.csv", BINANCE_FUNDING)
    assert (item.series, item.kind, item.interval, item.quote) == (
        "binance:funding:BTCUSDT",
        "funding",
        "8h",
        None,
    )
    assert item.frame["ts"].to_list() == [at(2024, 1, 1, 0), at(2024, 1, 1, 8), at(2024, 1, 1, 8)]
    assert item.frame["rate"].to_list() == [0.0001, -2.5e-05, 0.0003]
    assert item.frame[ROW].to_list() == [2, 3, 4]


def test_cex_layout_of_other_venue_fails_naming_missing_columns(tmp_path: Path) -> None:
    # A Bybit layout (turnover, no quote_volume) filed under binance/.
    text = "timestamp,open,high,low,close,volume,source,symbol,data_type,turnover\n"
    text += "2024-01-01T00:00:00Z,1,1,1,1,1,bybit,BTCUSDT,futures,1\n"
    message = malformed(tmp_path, "cex/binance/BTCUSDT_perp_1h.csv", text)
    assert "missing column(s) ['quote_volume', 'trades_count']" in message


def test_cex_symbol_differs_from_file_name_fails_on_line(tmp_path: Path) -> None:
    text = BINANCE_FUNDING.replace(
        "2024-01-01T08:00:00Z,0.0003,BTCUSDT", "2024-01-01T08:00:00Z,0.0003,ETHUSDT"
    )
    message = malformed(tmp_path, "cex/binance/BTCUSDT_funding_8h.csv", text)
    assert (
        "line 4, column 'symbol': 'ETHUSDT' differs from the file name; expected 'BTCUSDT'"
        in message
    )


# -- Aave ------------------------------------------------------------------------------------


def test_aave_rates_columns_mapped_without_unit_change(tmp_path: Path) -> None:
    item = series(tmp_path, "aave_v3/rates_1d/USDT.csv", AAVE_RATES)
    assert (item.series, item.interval, item.quote) == ("aave_v3:rates:USDT", "1d", "USD")
    assert item.frame.row(0, named=True) == {
        "ts": at(2024, 1, 1),
        "liquidity_index": 1.03,
        "variable_borrow_index": 1.05,
        "supply_rate": 0.05,
        "borrow_rate": 0.07,
        "total_supply": 1000.0,
        "total_variable_debt": 800.0,
        "price_usd": 0.999,
        ROW: 2,
    }


def test_aave_oracle_eth_quoted_hourly_with_comments(tmp_path: Path) -> None:
    text = "# Source: aave_oracle_derived\n# Quote_currency: ETH\n"
    text += "timestamp,oracle_price_eth,asset,source,quote_currency\n"
    text += "2024-05-12 01:00:00+00:00,1.0381626525752412,weETH,aave_oracle_derived,ETH\n"
    item = series(tmp_path, "aave_v3/oracle/weETH_ETH_1h.csv", text)
    assert (item.series, item.interval, item.quote) == ("aave_v3:oracle:weETH", "1h", "ETH")
    assert item.frame.row(0) == (at(2024, 5, 12, 1), 1.0381626525752412, 4)


def test_aave_oracle_usd_daily_unix_seconds(tmp_path: Path) -> None:
    # 1704153600 = 1704067200 + 86400 = 2024-01-02T00:00Z.
    text = "# Asset: USDT\ntimestamp,oracle_price_usd,asset,source,quote_currency\n"
    text += "1704067200,0.99965,USDT,x,USD\n1704153600,1.00009,USDT,x,USD\n"
    item = series(tmp_path, "aave_v3/oracle/USDT_USD_1d.csv", text)
    assert (item.interval, item.quote) == ("1d", "USD")
    assert item.frame["ts"].to_list() == [at(2024, 1, 1), at(2024, 1, 2)]
    assert item.frame[ROW].to_list() == [3, 4]


def test_aave_oracle_quote_column_of_other_currency_fails(tmp_path: Path) -> None:
    # The file name says ETH, so the price column must be oracle_price_eth.
    text = "timestamp,oracle_price_usd,asset,source,quote_currency\n2024-05-12,1.0,weETH,x,ETH\n"
    message = malformed(tmp_path, "aave_v3/oracle/weETH_ETH_1h.csv", text)
    assert "missing column(s) ['oracle_price_eth']" in message


# -- staking ---------------------------------------------------------------------------------


def test_lst_peg_protocol_and_market_rate(tmp_path: Path) -> None:
    text = "timestamp,protocol_rate,asset,source,market_rate,peg_premium_percent\n"
    text += "2024-05-13 04:00:00+00:00,1.0381946977473997,weETH,x,1.03754788941237,-0.0623\n"
    item = series(tmp_path, "staking/weETH_peg_1h.csv", text)
    assert (item.series, item.kind, item.quote) == ("staking:lst:weETH", "lst_rates", "ETH")
    assert item.frame.row(0) == (at(2024, 5, 13, 4), 1.0381946977473997, 1.03754788941237, 2)


REWARDS_HEADER = (
    "period_start,period_end,payout_date,period_days,reward_type,event_name,"
    "eigen_per_eeth_weekly,eigen_price_usd,data_quality,ethfi_per_eeth,ethfi_price_usd\n"
)


def test_rewards_amounts_tokens_and_flags(tmp_path: Path) -> None:
    text = REWARDS_HEADER + (
        # 7 days inclusive (10-06..10-12): round(7/7) = 1 week → 0.179 × 1 = 0.179
        "2024-10-06,2024-10-12,2024-10-12,6,EIGEN_via_KING,w,0.179,3.5,exact,,\n"
        # 8 days inclusive (06-22..06-29): round(8/7 = 1.14) = 1 week → 0.211
        "2025-06-22,2025-06-29,2025-06-29,7,EIGEN_via_KING,w,0.211,3.5,exact,,\n"
        # 52 days inclusive (08-15..10-05): round(7.43) = 7 weeks → 0.205 × 7 = 1.435
        "2024-08-15,2024-10-05,2024-10-05,51,EIGEN_via_KING,w,0.205,3.5,exact,,\n"
        # ETHFI: per eETH for the whole period, as is
        "2024-08-15,2024-10-05,2024-10-18,51,ETHFI_via_KING,t,,,exact,0.248,2.8\n"
        # seasonal drop, estimated
        "2024-03-01,2024-03-15,2024-03-18,14,ETHFI_Seasonal_Airdrop,s,,,estimated,10.0,2.8\n"
    )
    item = series(tmp_path, "staking/etherfi_rewards.csv", text)
    assert (item.series, item.kind, item.interval, item.quote) == (
        "etherfi:rewards:weETH",
        "rewards",
        "event",
        "USD",
    )
    frame = item.frame
    assert frame["ts"].to_list() == [
        at(2024, 10, 12),
        at(2025, 6, 29),
        at(2024, 10, 5),
        at(2024, 10, 18),
        at(2024, 3, 18),
    ]
    assert frame["period_start"][2] == at(2024, 8, 15)
    assert frame["period_end"][2] == at(2024, 10, 5)
    assert frame["token"].to_list() == ["EIGEN", "EIGEN", "EIGEN", "ETHFI", "ETHFI"]
    assert frame["amount_per_lst"].to_list() == pytest.approx([0.179, 0.211, 1.435, 0.248, 10.0])
    assert frame["quoted_price_usd"].to_list() == [3.5, 3.5, 3.5, 2.8, 2.8]
    assert frame["estimated"].to_list() == [False, False, False, False, True]
    assert frame[ROW].to_list() == [2, 3, 4, 5, 6]


@given(days=st.integers(4, 400), weekly=st.floats(0.001, 10.0))
def test_rewards_eigen_amount_is_weekly_times_whole_weeks(
    tmp_path_factory: pytest.TempPathFactory, days: int, weekly: float
) -> None:
    start = dt.date(2024, 1, 1)
    end = start + dt.timedelta(days=days - 1)  # `days` counted inclusive
    text = REWARDS_HEADER + f"{start},{end},{end},{days - 1},EIGEN_x,w,{weekly!r},3.5,exact,,\n"
    item = series(tmp_path_factory.mktemp("r"), "staking/etherfi_rewards.csv", text)
    weeks = math.floor(days / 7 + 0.5)
    assert weeks >= 1
    assert item.frame["amount_per_lst"][0] == pytest.approx(weekly * weeks, rel=1e-12)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "2024-10-06,2024-10-12,2024-10-12,6,KING_bonus,w,0.1,3.5,exact,,",
            "line 2, column 'reward_type': 'KING_bonus' is not a known reward type",
        ),
        (
            "2024-10-06,2024-10-12,2024-10-12,6,EIGEN_via_KING,w,,3.5,exact,,",
            "line 2, column 'eigen_per_eeth_weekly': empty cell; expected a number",
        ),
        # an inclusive count (7 for 6), a period_days off its dates (9 for 6), an empty
        # price and a 2-day EIGEN period import with findings now: tests/data/test_drift.py
        (
            "2024-10-06,2024-10-01,2024-10-08,-5,ETHFI_via_KING,w,,,exact,0.1,2.8",
            "line 2, column 'period_end': '2024-10-01' is before period_start",
        ),
    ],
)
def test_rewards_inconsistent_row_fails_naming_line_and_column(
    tmp_path: Path, row: str, expected: str
) -> None:
    assert expected in malformed(
        tmp_path, "staking/etherfi_rewards.csv", REWARDS_HEADER + row + "\n"
    )


# -- tokens, gas, benchmark ------------------------------------------------------------------


def test_token_prices_unix_timestamp_and_date_utc_ignored(tmp_path: Path) -> None:
    # 1728086400 = 2024-10-05T00:00Z; date_utc carries the source's malformed "+00:00Z".
    text = "timestamp,date_utc,open,high,low,close,volume,pool_address,dex,fee_tier,"
    text += "base_token,quote_token,source\n"
    text += "1728086400,2024-10-05T00:00:00+00:00Z,0.00147,0.00149,0.00146,0.00148,302.4,"
    text += "0xc2,Uniswap v3,0.3%,EIGEN,WETH,gt\n"
    item = series(tmp_path, "tokens/EIGEN_WETH_1h.csv", text, crlf=True)
    assert (item.series, item.kind, item.quote) == (
        "uniswap_v3:token:EIGEN",
        "token_prices",
        "WETH",
    )
    assert item.frame.row(0) == (at(2024, 10, 5), 0.00147, 0.00149, 0.00146, 0.00148, 302.4, 2)


def test_gas_columns_in_gwei(tmp_path: Path) -> None:
    text = "timestamp,chain,gas_price_gwei,base_fee_gwei,priority_fee_p25_gwei,"
    text += "priority_fee_p50_gwei,priority_fee_p75_gwei,note\n"
    text += '2024-01-01T00:00:00Z,ethereum,12.07,11.97,0.1,0.2,0.3,"Real data, fast"\n'
    item = series(tmp_path, "chain/ethereum_gas_1h.csv", text)
    assert item.series == "ethereum:gas:mainnet"
    assert item.frame.row(0, named=True) == {
        "ts": at(2024, 1, 1),
        "base_fee_gwei": 11.97,
        "priority_fee_p25_gwei": 0.1,
        "priority_fee_p50_gwei": 0.2,
        "priority_fee_p75_gwei": 0.3,
        "gas_price_gwei": 12.07,
        ROW: 2,
    }


def test_susde_apy_decimal_from_date(tmp_path: Path) -> None:
    # apy_percent 24.71 → 0.2471 as a decimal; the date becomes 00:00 UTC.
    text = "date,protocol,apy_percent,apy_decimal\n2024-02-16,ethena,24.71,0.2471\n"
    item = series(tmp_path, "benchmarks/ethena_susde_1d.csv", text)
    assert (item.series, item.kind, item.interval) == ("ethena:benchmark:sUSDe", "benchmark", "1d")
    assert item.frame.row(0) == (at(2024, 2, 16), 0.2471, 2)


def test_susde_decimal_column_holding_percent_fails(tmp_path: Path) -> None:
    text = "date,protocol,apy_percent,apy_decimal\n2024-02-16,ethena,24.71,24.71\n"
    message = malformed(tmp_path, "benchmarks/ethena_susde_1d.csv", text)
    assert "line 2, column 'apy_decimal': '24.71' is not apy_percent / 100" in message


# -- parameter documents ---------------------------------------------------------------------


def test_json_document_kept_as_is(tmp_path: Path) -> None:
    item = load(
        tmp_path, "cex/margin_requirements_binance.json", '{"a": 0.05, "b": {"c": [1, "x"]}}'
    )
    assert isinstance(item, ParamsDoc)
    assert (item.name, item.source) == ("binance:margin", "cex/margin_requirements_binance.json")
    assert item.content == {"a": 0.05, "b": {"c": [1, "x"]}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1,\n "b": }', "line 2, column 7: invalid JSON"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ("[1, 2]", "top level is a list; expected a JSON object"),
        ("", "line 1, column 1: invalid JSON"),
    ],
)
def test_json_document_invalid_fails(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in malformed(tmp_path, "execution_costs/summary.json", text)


def test_risk_snapshot_percent_to_decimal_booleans_and_text(tmp_path: Path) -> None:
    text = ",WETH,weETH\nFrozen,FALSE,TRUE\nLTV,80.50%,77.50%\nLiquidation Bonus,5%,4.50%\n"
    text += "Debt Ceiling,N/A,N/A\nSupply Cap,0.0032B,0.0022B\n"
    item = load(tmp_path, "aave_v3/risk_parameters_mainnet_snapshot.csv", text, bom=True, crlf=True)
    assert isinstance(item, ParamsDoc)
    assert item.name == "aave_v3:risk_parameters_snapshot"
    # "80.50%" → 80.50 / 100 = 0.805; "4.50%" → 0.045; "5%" → 0.05.
    assert item.content == {
        "WETH": {
            "Frozen": False,
            "LTV": 0.805,
            "Liquidation Bonus": 0.05,
            "Debt Ceiling": "N/A",
            "Supply Cap": "0.0032B",
        },
        "weETH": {
            "Frozen": True,
            "LTV": 0.775,
            "Liquidation Bonus": 0.045,
            "Debt Ceiling": "N/A",
            "Supply Cap": "0.0022B",
        },
    }


@given(hundredths=st.integers(0, 10_000))
def test_risk_snapshot_percent_equals_decimal_of_same_digits(
    tmp_path_factory: pytest.TempPathFactory, hundredths: int
) -> None:
    text = f"{hundredths // 100}.{hundredths % 100:02d}%"  # e.g. 8050 → "80.50%" → 0.805
    item = load(
        tmp_path_factory.mktemp("s"),
        "aave_v3/risk_parameters_mainnet_snapshot.csv",
        f",X\nLTV,{text}\n",
    )
    assert isinstance(item, ParamsDoc)
    assert item.content["X"]["LTV"] == hundredths / 10_000


def test_distribution_table_rows_with_numbers_parsed(tmp_path: Path) -> None:
    text = "top_up_date,staking_period_start,ethfi_amount,ethfi_per_eeth_distributed\n"
    text += "2024-10-18,2024-08-15,500000,0.248\n2024-10-28,2024-10-06,41000,0.020\n"
    item = load(tmp_path, "staking/etherfi_ethfi_topups.csv", text)
    assert isinstance(item, ParamsDoc)
    assert item.name == "etherfi:ethfi_topups"
    assert item.content == {
        "rows": [
            {
                "top_up_date": "2024-10-18",
                "staking_period_start": "2024-08-15",
                "ethfi_amount": 500000,
                "ethfi_per_eeth_distributed": 0.248,
            },
            {
                "top_up_date": "2024-10-28",
                "staking_period_start": "2024-10-06",
                "ethfi_amount": 41000,
                "ethfi_per_eeth_distributed": 0.02,
            },
        ]
    }


# -- malformed input -------------------------------------------------------------------------

FUNDING = "cex/binance/BTCUSDT_funding_8h.csv"
HEADER = "funding_timestamp,funding_rate,symbol,source\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file, no header line after 0 comment line(s)"),
        ("# only\n# comments\n", "empty file, no header line after 2 comment line(s)"),
        (HEADER, "no data rows after the header on line 1"),
        (
            "funding_timestamp,symbol,source\n2024-01-01T00:00:00Z,BTCUSDT,b\n",
            "missing column(s) ['funding_rate']",
        ),
        (
            HEADER + "2024-01-01T00:00:00Z,0.1,BTCUSDT,b\n2024-13-01T00:00:00Z,0.1,BTCUSDT,b\n",
            "line 3, column 'funding_timestamp': '2024-13-01T00:00:00Z' is not a timestamp",
        ),
        (
            HEADER + "1704067200000,0.1,BTCUSDT,b\n",
            "line 2, column 'funding_timestamp': '1704067200000' is outside 2000–2100 as unix time",
        ),
        (
            "# m\n" + HEADER + "2024-01-01T00:00:00Z,0.01%,BTCUSDT,b\n",
            "line 3, column 'funding_rate': '0.01%' is not a number",
        ),
        (
            HEADER + "2024-01-01T00:00:00Z,NaN,BTCUSDT,b\n",
            "line 2, column 'funding_rate': 'NaN' is not a finite number",
        ),
        (HEADER + "2024-01-01T00:00:00Z,inf,BTCUSDT,b\n", "'inf' is not a finite number"),
        (HEADER + "2024-01-01T00:00:00Z,,BTCUSDT,b\n", "line 2, column 'funding_rate': empty cell"),
        (HEADER + "2024-01-01T00:00:00Z,0.1,BTCUSDT\n", "line 2: 3 field(s); expected 4"),
        (HEADER + "2024-01-01T00:00:00Z,0.1,BTCUSDT,b,extra\n", "line 2: 5 field(s); expected 4"),
        (
            HEADER + "2024-01-01T00:00:00Z,0.1,BTCUSDT,b\n\n2024-01-01T08:00:00Z,0.1,BTCUSDT,b\n",
            "line 3: blank line between data rows",
        ),
        ("a,b,a\n1,2,3\n", "column(s) ['a'] appear twice in the header"),
        (
            HEADER + '2024-01-01T00:00:00Z,0.1,BTCUSDT,"two\nlines"\n',
            "line 3: 1 field(s); expected 4 as in the header (no quoted line breaks)",
        ),
    ],
)
def test_malformed_funding_file_fails_naming_file_and_place(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in malformed(tmp_path, FUNDING, text)


def test_non_utf8_file_fails_naming_byte(tmp_path: Path) -> None:
    path = tmp_path / FUNDING
    path.parent.mkdir(parents=True)
    path.write_bytes(HEADER.encode() + b"2024-01-01T00:00:00Z,0.1,BTC\xffUSDT,b\n")
    route = route_for(path)
    assert isinstance(route, SeriesRoute)
    offset = len(HEADER) + len("2024-01-01T00:00:00Z,0.1,BTC")  # 45 + 28 = 73
    with pytest.raises(DataMalformedError, match=re.escape(f"{FUNDING}: byte {offset} is not")):
        route.load(path, FUNDING)


# -- registry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "target", "kind", "interval", "quote"),
    [
        ("cex/binance/BTCUSDT_spot_1h.csv", "binance:spot:BTCUSDT", "ohlcv", "1h", "USDT"),
        ("cex/bybit/ETHUSDT_perp_1h.csv", "bybit:perp:ETHUSDT", "ohlcv", "1h", "USDT"),
        ("cex/okx/ETHUSDT_funding_8h.csv", "okx:funding:ETHUSDT", "funding", "8h", None),
        ("aave_v3/rates_1d/wstETH.csv", "aave_v3:rates:wstETH", "lending_rates", "1d", "USD"),
        ("aave_v3/oracle/WETH_USD_1h.csv", "aave_v3:oracle:WETH", "oracle", "1h", "USD"),
        ("aave_v3/oracle/wstETH_ETH_1h.csv", "aave_v3:oracle:wstETH", "oracle", "1h", "ETH"),
        ("aave_v3/oracle/USDT_USD_1d.csv", "aave_v3:oracle:USDT", "oracle", "1d", "USD"),
        ("staking/wstETH_peg_1h.csv", "staking:lst:wstETH", "lst_rates", "1h", "ETH"),
        ("staking/etherfi_rewards.csv", "etherfi:rewards:weETH", "rewards", "event", "USD"),
        ("tokens/ETHFI_WETH_1h.csv", "uniswap_v3:token:ETHFI", "token_prices", "1h", "WETH"),
        ("chain/ethereum_gas_1h.csv", "ethereum:gas:mainnet", "gas", "1h", None),
        ("benchmarks/ethena_susde_1d.csv", "ethena:benchmark:sUSDe", "benchmark", "1d", None),
    ],
)
def test_route_for_series_paths_names_series(
    path: str, target: str, kind: str, interval: str, quote: str | None
) -> None:
    route = route_for(Path("/any/where") / path)
    assert isinstance(route, SeriesRoute)
    assert (route.series, route.kind, route.interval, route.quote) == (
        target,
        kind,
        interval,
        quote,
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("cex/margin_requirements_binance.json", "binance:margin"),
        ("aave_v3/risk_parameters.json", "aave_v3:risk_parameters"),
        ("aave_v3/risk_parameters_mainnet_snapshot.csv", "aave_v3:risk_parameters_snapshot"),
        ("chain/gas_units_by_operation.json", "ethereum:gas_units"),
        ("execution_costs/summary.json", "execution_costs:summary"),
        ("staking/etherfi_eigen_distributions.csv", "etherfi:eigen_distributions"),
        ("staking/etherfi_ethfi_topups.csv", "etherfi:ethfi_topups"),
    ],
)
def test_route_for_parameter_paths_names_document(path: str, name: str) -> None:
    route = route_for(Path(path))
    assert isinstance(route, ParamsRoute)
    assert route.name == name


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "cex/kraken/BTCUSDT_spot_1h.csv",
        "cex/binance/BTCUSDT_spot_1m.csv",
        "xcex/binance/BTCUSDT_spot_1h.csv",
    ],
)
def test_route_for_unknown_path_none(path: str) -> None:
    assert route_for(Path(path)) is None


@pytest.mark.realdata
def test_route_for_every_real_file_matches_exactly_one_rule(real_data: Path) -> None:
    from basis.data.importers.registry import RULES

    files = [path for path in real_data.rglob("*") if path.is_file()]
    assert len(files) == 36
    for path in files:
        assert sum(1 for pattern, _ in RULES if pattern.search(path.as_posix())) == 1, path


def test_read_table_returns_strings_only(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "a,b\n1,x\n")
    assert read_table(path, "s.csv").frame.schema == pl.Schema({"a": pl.String(), "b": pl.String()})
