"""Flows, trades and gas on the book: deposits and withdrawals, swaps, CEX spot fills, gas.

Trades arrive as fills (what was given and received, at what price and fee), from the
simulated execution (`mechanics.trading` prices them) or a venue. Each books the value it
moved against the marks: `slippage` for the fill's difference from the mark and
`trading_fees` for the fee, so equity changes by exactly the costs.
"""

from __future__ import annotations

import math

from basis.book.core import TRADABLE, BookCore, transaction
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import Category
from basis.errors import InvalidOperationError
from basis.mechanics import gas

__all__ = ["TradingOperations"]


class TradingOperations(BookCore):
    """Flows, trades and gas (mixed into `Book`)."""

    @transaction
    def deposit(self, account: str, instrument: Instrument, amount: float) -> None:
        """Credit `amount` units from outside the book to a token or spot balance (`flows`).

        Raises InvalidOperationError for another kind or an amount that is not > 0.
        """
        self._require_kind(account, instrument, TRADABLE, "deposit to")
        self._require_amount(account, instrument, amount, "deposit")
        self._increase(account, instrument, amount)
        self._book(account, instrument, Category.FLOWS, amount * self._unit_price(instrument))

    @transaction
    def withdraw(self, account: str, instrument: Instrument, amount: float) -> None:
        """Pay `amount` units of a token or spot balance out of the book (`flows`).

        Raises InsufficientBalanceError beyond the balance, InvalidOperationError for
        another kind or an amount that is not > 0.
        """
        self._require_kind(account, instrument, TRADABLE, "withdraw from")
        self._require_amount(account, instrument, amount, "withdraw")
        self._decrease(account, instrument, amount, "withdraw")
        self._book(account, instrument, Category.FLOWS, -amount * self._unit_price(instrument))

    @transaction
    def swap(
        self,
        account: str,
        sell: Instrument,
        sell_amount: float,
        buy: Instrument,
        buy_amount: float,
        fee: float = 0.0,
        fee_from: Instrument | None = None,
    ) -> float:
        """Apply a filled exchange of `sell_amount` of `sell` for `buy_amount` of `buy`.

        Books `slippage` = value bought − value sold at the current marks and
        `trading_fees` = −fee (units of `fee_from`, default `sell`), both on `buy`.
        Returns the slippage booked. Raises InsufficientBalanceError beyond a balance,
        InvalidOperationError for non-tradable kinds or amounts that are not > 0.
        """
        return self._exchange(account, sell, sell_amount, buy, buy_amount, fee, fee_from, buy)

    @transaction
    def spot_trade(
        self,
        account: str,
        venue: str,
        base: str,
        quote: str,
        size: float,
        price: float,
        fee: float,
        fee_in_base: bool = False,
    ) -> float:
        """Apply a CEX spot fill: buy (`size` > 0) or sell `|size|` of `base` at `price`.

        The base asset is held as `venue:spot:base`, the quote as `venue:token:quote`, which
        also pays `fee` (quote units; base units from the base balance when `fee_in_base`,
        as a venue that charges the fee in the asset received does). Books slippage against
        the base's mark and the fee, both on the base instrument; returns the slippage.
        Raises InsufficientBalanceError beyond a balance, InvalidOperationError for size 0
        or a price or fee that is bad.
        """
        base_instrument = Instrument(venue, Kind.SPOT, base)
        quote_instrument = Instrument.token(venue, quote)
        if not math.isfinite(size) or size == 0.0 or not 0.0 < price < math.inf:
            raise InvalidOperationError(
                f"account {account!r}: spot trade of {base_instrument} needs size != 0 and "
                f"price > 0, got size {size!r} at {price!r}"
            )
        notional = abs(size) * price
        if size > 0.0:
            legs = (quote_instrument, notional, base_instrument, size)
        else:
            legs = (base_instrument, -size, quote_instrument, notional)
        payer = base_instrument if fee_in_base else quote_instrument
        return self._exchange(account, *legs, fee, payer, base_instrument)

    @transaction
    def pay_gas(
        self, account: str, operation: str, base_fee_gwei: float, priority_fee_gwei: float
    ) -> float:
        """Pay the gas of one on-chain `operation` (units from gas config) from wallet ETH.

        Books `gas` on `wallet:token:ETH`; returns the ETH spent. Raises
        InvalidOperationError for an unknown operation or bad fees, InsufficientBalanceError
        when the wallet holds less ETH.
        """
        try:
            units = self.market.gas.units_for(operation)
        except KeyError as error:
            raise InvalidOperationError(f"account {account!r}: {error.args[0]}") from None
        eth = gas.gas_cost_eth(units, base_fee_gwei, priority_fee_gwei)
        wallet_eth = Instrument.wallet("ETH")
        self._decrease(account, wallet_eth, eth, f"pay gas for {operation}")
        self._book(account, wallet_eth, Category.GAS, -eth * self._unit_price(wallet_eth))
        return eth

    def _exchange(
        self,
        account: str,
        sell: Instrument,
        sell_amount: float,
        buy: Instrument,
        buy_amount: float,
        fee: float,
        fee_from: Instrument | None,
        subject: Instrument,
    ) -> float:
        payer = sell if fee_from is None else fee_from
        for instrument in (sell, buy, payer):
            self._require_kind(account, instrument, TRADABLE, "trade")
        self._require_amount(account, sell, sell_amount, "sell")
        self._require_amount(account, buy, buy_amount, "buy")
        if not 0.0 <= fee < math.inf:
            raise InvalidOperationError(
                f"account {account!r}: fee on {subject} must be finite and >= 0, got {fee!r}"
            )
        if sell == buy:
            raise InvalidOperationError(f"account {account!r}: cannot trade {sell} for itself")
        self._decrease(account, sell, sell_amount, "sell")
        self._increase(account, buy, buy_amount)
        if fee:
            self._decrease(account, payer, fee, "pay a fee of")
        slippage = buy_amount * self._unit_price(buy) - sell_amount * self._unit_price(sell)
        self._book(account, subject, Category.SLIPPAGE, slippage)
        self._book(account, subject, Category.TRADING_FEES, -fee * self._unit_price(payer))
        return slippage
