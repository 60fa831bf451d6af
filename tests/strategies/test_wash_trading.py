"""A request for a strategy whose purpose is volume between managed accounts is refused."""

from __future__ import annotations

import pytest

from basis.engine.backtest import load_mode
from basis.errors import WashTradingRefusedError
from basis.strategies import MODES
from basis.strategies.wash_trading import refuse_wash_trading
from tests.conftest import CONFIGS


@pytest.mark.parametrize("name", ["volume", "equal_volume", "Equal Volume", "wash-trade"])
def test_refuse_wash_trading_volume_names_raise_with_why(name: str) -> None:
    with pytest.raises(WashTradingRefusedError, match="wash trades") as raised:
        refuse_wash_trading(name)
    assert raised.value.code == "WASH_TRADING_REFUSED" and raised.value.exit_code == 2


@pytest.mark.parametrize("name", sorted(MODES))
def test_refuse_wash_trading_every_shipped_mode_passes(name: str) -> None:
    refuse_wash_trading(name)


def test_load_mode_equal_volume_is_refused_before_lookup() -> None:
    with pytest.raises(WashTradingRefusedError):
        load_mode(CONFIGS, "equal_volume", (), None)
