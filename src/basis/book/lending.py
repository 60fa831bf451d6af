"""Aave v3 operations on the book: e-mode, supply, withdraw, borrow, repay, flash, liquidation.

Tokens move between the account's wallet (`wallet:token:X`) and `aave_v3:supply:X` /
`aave_v3:debt:X`, held as scaled balances (`mechanics.aave`). Supplying, withdrawing,
borrowing and repaying move value without changing it, so they book nothing; interest
accrues through the indices (`accrue`). Aave's own refusals are enforced: a borrow beyond
the borrowing power (Σ collateral × max LTV) and a withdrawal that leaves HF < 1 raise.
Gas is paid separately with `pay_gas`.
"""

from __future__ import annotations

from basis.book.core import BookCore, transaction
from basis.book.instruments import AAVE, Instrument, Kind
from basis.book.ledger import Category
from basis.book.risk import aave_account, oracle_price, risk_parameters
from basis.errors import InvalidOperationError
from basis.mechanics import aave
from basis.mechanics.aave import Liquidation

__all__ = ["LendingOperations"]


class LendingOperations(BookCore):
    """Aave v3 operations (mixed into `Book`)."""

    @transaction
    def set_emode(self, account: str, category: str | None) -> None:
        """Put `account` in Aave e-mode `category` (None: standard mode).

        Raises InvalidOperationError for an unknown category, a debt asset outside it, or a
        switch that would leave HF < 1.
        """
        if category is not None:
            known = self.market.aave.emode.get(category)
            if known is None:
                raise InvalidOperationError(
                    f"account {account!r}: unknown e-mode category {category!r}; "
                    f"known: {sorted(self.market.aave.emode)}"
                )
            for (holder, instrument), row in self.units.rows.items():
                if (
                    holder == account
                    and instrument.kind is Kind.DEBT
                    and self.units.quantity[row] != 0.0
                    and instrument.symbol not in known.assets
                ):
                    raise InvalidOperationError(
                        f"account {account!r}: cannot enter e-mode {category!r} while "
                        f"borrowing {instrument.symbol}, outside {list(known.assets)}"
                    )
        self._emode[account] = category
        self._require_healthy(account, f"set e-mode {category!r}")

    @transaction
    def aave_supply(self, account: str, asset: str, amount: float) -> None:
        """Supply `amount` of `asset` from the wallet; mints `amount / liquidity index` scaled.

        Raises InsufficientBalanceError beyond the wallet balance, InvalidOperationError
        for an amount that is not > 0 or an unmarked index.
        """
        supply = Instrument.aave_supply(asset)
        self._require_amount(account, supply, amount, "supply")
        self._decrease(account, Instrument.wallet(asset), amount, "supply")
        self._increase(account, supply, amount)

    @transaction
    def aave_withdraw(self, account: str, asset: str, amount: float) -> None:
        """Withdraw `amount` of supplied `asset` to the wallet.

        Raises InsufficientBalanceError beyond the supply, InvalidOperationError when the
        account's HF would fall below 1 or for an amount that is not > 0.
        """
        supply = Instrument.aave_supply(asset)
        self._require_amount(account, supply, amount, "withdraw")
        self._decrease(account, supply, amount, "withdraw")
        self._increase(account, Instrument.wallet(asset), amount)
        self._require_healthy(account, f"withdraw {amount!r} {asset}")

    @transaction
    def aave_borrow(self, account: str, asset: str, amount: float) -> None:
        """Borrow `amount` of `asset` into the wallet; mints `amount / borrow index` scaled debt.

        Raises InvalidOperationError when the debt would exceed the borrowing power
        (Σ collateral × max LTV at oracle prices), or for an amount that is not > 0.
        """
        debt = Instrument.aave_debt(asset)
        self._require_amount(account, debt, amount, "borrow")
        emode = self.emode(account)
        if emode is not None and asset not in self.market.aave.emode[emode].assets:
            raise InvalidOperationError(
                f"account {account!r}: cannot borrow {asset} in e-mode {emode!r}"
            )
        self._increase(account, debt, amount)
        self._increase(account, Instrument.wallet(asset), amount)
        position = aave_account(self, self._marks, account)
        if position.debt_value > position.borrowing_power:
            raise InvalidOperationError(
                f"account {account!r}: borrowing {amount!r} {asset} takes debt to "
                f"${position.debt_value:,.2f}, above the borrowing power "
                f"${position.borrowing_power:,.2f}"
            )

    @transaction
    def aave_repay(self, account: str, asset: str, amount: float) -> None:
        """Repay `amount` of `asset` debt from the wallet.

        Raises InsufficientBalanceError when `amount` exceeds the debt or the wallet
        balance, InvalidOperationError for an amount that is not > 0.
        """
        debt = Instrument.aave_debt(asset)
        self._require_amount(account, debt, amount, "repay")
        self._decrease(account, debt, amount, "repay")
        self._decrease(account, Instrument.wallet(asset), amount, "repay from")

    @transaction
    def flash_borrow(self, account: str, asset: str, amount: float) -> None:
        """Flash-borrow `amount` of `asset` into the wallet (owed as `aave_v3:flash:asset`).

        Only inside `atomic()`: the group fails unless it is repaid before it ends. Raises
        InvalidOperationError outside an atomic group or for an amount that is not > 0.
        """
        flash = Instrument(AAVE, Kind.FLASH, asset)
        self._require_amount(account, flash, amount, "flash-borrow")
        if self._depth < 2:
            raise InvalidOperationError(
                f"account {account!r}: flash loan of {amount!r} {asset} outside book.atomic()"
            )
        self._increase(account, flash, amount)
        self._increase(account, Instrument.wallet(asset), amount)

    @transaction
    def flash_repay(self, account: str, asset: str, amount: float, fee: float = 0.0) -> None:
        """Repay `amount` of a flash loan plus `fee` (asset units, booked `trading_fees`).

        Raises InsufficientBalanceError beyond the loan or the wallet balance,
        InvalidOperationError for an amount that is not > 0 or a negative fee.
        """
        flash = Instrument(AAVE, Kind.FLASH, asset)
        self._require_amount(account, flash, amount, "repay flash loan")
        if not 0.0 <= fee < float("inf"):
            raise InvalidOperationError(
                f"account {account!r}: flash loan fee must be finite and >= 0, got {fee!r}"
            )
        wallet = Instrument.wallet(asset)
        self._decrease(account, flash, amount, "repay flash loan")
        self._decrease(account, wallet, amount + fee, "repay flash loan from")
        self._book(account, flash, Category.TRADING_FEES, -fee * self._unit_price(wallet))

    @transaction
    def aave_liquidate(self, account: str, collateral: str, debt: str) -> Liquidation:
        """Liquidate `account` as Aave v3 would: repay debt, seize collateral plus the bonus.

        Amounts from `mechanics.aave.liquidate` at oracle prices and the account's HF.
        Books on the collateral instrument `liquidation` = −penalty (seized value −
        repaid value, at oracle prices) and `price` = the difference between oracle and
        market values of what changed hands (an LST seized at its oracle rate while the
        book marks it at the DEX rate). Returns the liquidation. Raises
        InvalidOperationError when HF >= 1.
        """
        supply, owed = Instrument.aave_supply(collateral), Instrument.aave_debt(debt)
        position = aave_account(self, self._marks, account)
        bonus = risk_parameters(self.market, collateral, self.emode(account)).liquidation_bonus
        collateral_oracle = oracle_price(self, self._marks, collateral)
        debt_oracle = oracle_price(self, self._marks, debt)
        result = aave.liquidate(
            self.balance(account, supply),
            collateral_oracle,
            self.balance(account, owed),
            debt_oracle,
            position.health_factor,
            bonus,
            self.market.aave,
        )
        share_price = self._marks.values[self.share_column]
        self._decrease(account, owed, result.debt_repaid, "repay by liquidation")
        self._decrease(account, supply, result.collateral_seized, "seize")
        penalty = result.penalty * debt_oracle / share_price
        price = result.collateral_seized * (
            collateral_oracle / share_price - self._unit_price(supply)
        ) - result.debt_repaid * (debt_oracle / share_price - self._unit_price(owed))
        self._book(account, supply, Category.LIQUIDATION, -penalty)
        self._book(account, supply, Category.PRICE, price)
        return result

    def _require_healthy(self, account: str, action: str) -> None:
        position = aave_account(self, self._marks, account)
        if position.health_factor < 1.0:
            raise InvalidOperationError(
                f"account {account!r}: {action} would leave health factor "
                f"{position.health_factor:.4f} below 1"
            )
