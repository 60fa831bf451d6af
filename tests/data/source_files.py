"""Builders of small hand-made source files in the layouts of the real data folder."""

from __future__ import annotations

from pathlib import Path

BOM = "\ufeff"

# Binance spot layout (asset_pair), ISO timestamps with Z. 1704067200 = 2024-01-01T00:00Z.
BINANCE_SPOT = """\
timestamp,open,high,low,close,volume,quote_volume,trades_count,source,asset_pair
2024-01-01T00:00:00Z,100.0,110.0,90.0,105.0,2.5,262.5,10,binance_spot,BTC/USDT
2024-01-01T01:00:00Z,105.0,120.0,100.0,115.0,1.5,172.5,7,binance_spot,BTC/USDT
"""

# Binance funding layout, a duplicated settlement with conflicting rates kept as is.
BINANCE_FUNDING = """\
funding_timestamp,funding_rate,symbol,source
2024-01-01T00:00:00Z,0.0001,BTCUSDT,binance_futures
2024-01-01T08:00:00Z,-2.5e-05,BTCUSDT,binance_futures
2024-01-01T08:00:00Z,0.0003,BTCUSDT,binance_futures
"""

AAVE_RATES = """\
targetDate,timestamp,blockNumber,reserve,symbol,liquidityIndex,currentLiquidityRate,\
variableBorrowIndex,currentVariableBorrowRate,currentStableBorrowRate,totalAToken,\
totalStableDebt,totalVariableDebt,price,date
2024-01-01T00:00:00Z,1704067200,1,0xabc,USDT,1.03,0.05,1.05,0.07,0.1,1000.0,0.0,800.0,0.999,2024-01-01
2024-01-02T00:00:00Z,1704153600,2,0xabc,USDT,1.031,0.06,1.051,0.08,0.1,1100.0,0.0,900.0,1.001,2024-01-02
"""

MARGIN_JSON = '{"initial_margin_requirement": 0.05, "nested": {"max_leverage": 20}}\n'


def write(root: Path, name: str, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    """Write `text` to `root/name` (creating folders), optionally with a BOM and CRLF endings."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes(((BOM if bom else "") + body).encode())
    return path


def small_folder(root: Path) -> Path:
    """A valid folder: two series, a rates file, a parameter document and a README."""
    write(root, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    write(root, "cex/binance/BTCUSDT_funding_8h.csv", BINANCE_FUNDING)
    write(root, "aave_v3/rates_1d/USDT.csv", AAVE_RATES)
    write(root, "cex/margin_requirements_binance.json", MARGIN_JSON)
    write(root, "README.md", "# notes\n")
    return root
