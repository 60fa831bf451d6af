"""Liquid staking operations on the book: stake, DEX exit, withdrawal queue, reward payouts.

LSTs sit in the wallet (`wallet:token:weETH`) and are marked at their DEX market rate, so
a depeg shows in `lst_discount` while it is held; their protocol-rate growth is `staking_yield`
(see `valuation`). Queued withdrawals are ETH claims `protocol:withdrawal:ETH` (e.g.
`etherfi:withdrawal:ETH`), fixed at the protocol rate when requested. Rewards are booked
on their payout as `rewards`; selling them is a `swap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from basis.book import factors
from basis.book.core import BookCore, transaction
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import Category
from basis.book.positions import Claim
from basis.config.lst import LstConfig
from basis.errors import InvalidOperationError
from basis.mechanics import staking
from basis.mechanics.staking import Withdrawal

__all__ = ["LstExit", "StakingOperations"]


@dataclass(frozen=True, slots=True)
class LstExit:
    """A DEX exit: ETH received, slippage booked (share class, ≤ 0) and the depeg realised.

    `depeg` is `lst × (market rate − protocol rate)` in the share class: what selling at
    the DEX rate gave up against the protocol rate. It was already booked in `price` while
    the LST was marked at the DEX rate, so it is reported, not booked again.
    """

    eth_received: float
    slippage: float
    depeg: float


class StakingOperations(BookCore):
    """LST operations (mixed into `Book`)."""

    @transaction
    def stake(self, account: str, lst: str, eth: float) -> float:
        """Stake `eth` from the wallet into `lst` at the protocol rate; return the LST minted.

        Books `lst_discount` on the LST for the gap between its market value and the ETH
        paid (0 at par). Raises InsufficientBalanceError beyond the wallet's ETH,
        InvalidOperationError for an unknown LST or an amount that is not > 0.
        """
        self._lst(lst)
        token, wallet_eth = Instrument.wallet(lst), Instrument.wallet("ETH")
        self._require_amount(account, token, eth, "stake into")
        minted = staking.stake(eth, self._marks[factors.protocol_rate(lst)])
        self._decrease(account, wallet_eth, eth, "stake")
        self._increase(account, token, minted)
        gap = minted * self._unit_price(token) - eth * self._unit_price(wallet_eth)
        self._book(account, token, Category.LST_DISCOUNT, gap)
        return minted

    @transaction
    def lst_dex_exit(self, account: str, lst: str, amount: float, slippage_bps: float) -> LstExit:
        """Sell `amount` of `lst` from the wallet on a DEX at its market rate less slippage.

        ETH received per `mechanics.staking.dex_exit`; books `slippage` on the LST.
        Raises InsufficientBalanceError beyond the wallet balance, InvalidOperationError
        for an unknown LST, an amount that is not > 0 or bad slippage.
        """
        self._lst(lst)
        token, wallet_eth = Instrument.wallet(lst), Instrument.wallet("ETH")
        self._require_amount(account, token, amount, "sell")
        eth = staking.dex_exit(amount, self._marks[factors.market_rate(lst)], slippage_bps)
        self._decrease(account, token, amount, "sell")
        self._increase(account, wallet_eth, eth)
        eth_value = self._unit_price(wallet_eth)
        slippage = eth * eth_value - amount * self._unit_price(token)
        self._book(account, token, Category.SLIPPAGE, slippage)
        depeg = (
            amount
            * (self._marks[factors.market_rate(lst)] - self._marks[factors.protocol_rate(lst)])
            * eth_value
        )
        return LstExit(eth_received=eth, slippage=slippage, depeg=depeg)

    @transaction
    def request_withdrawal(self, account: str, lst: str, amount: float) -> Withdrawal:
        """Queue `amount` of `lst` for withdrawal at the protocol rate; ETH claimable later.

        The claim (`mechanics.staking.queue_withdrawal`, delay from the LST config) is held
        as `protocol:withdrawal:ETH`; books `lst_discount` on the LST for the claim's value less
        the LST's market value (the depeg recovered). Returns the withdrawal. Raises
        InsufficientBalanceError beyond the wallet balance, InvalidOperationError for an
        unknown LST or an amount that is not > 0.
        """
        config = self._lst(lst)
        token = Instrument.wallet(lst)
        self._require_amount(account, token, amount, "queue a withdrawal of")
        request = staking.queue_withdrawal(
            amount,
            self._marks[factors.protocol_rate(lst)],
            self._now.timestamp(),
            config.withdrawal_delay_hours,
        )
        self._decrease(account, token, amount, "queue a withdrawal of")
        due = datetime.fromtimestamp(request.available_at, UTC)
        wallet_eth = Instrument.wallet("ETH")
        claim = _queue(config)
        self._add_claim(account, claim, Claim(request.eth_amount, due, wallet_eth))
        gap = request.eth_amount * self._unit_price(wallet_eth) - amount * self._unit_price(token)
        self._book(account, token, Category.LST_DISCOUNT, gap)
        return request

    @transaction
    def claim_withdrawals(self, account: str, lst: str) -> float:
        """Move every queued withdrawal of `lst` due by now into wallet ETH; return the ETH.

        Raises InvalidOperationError for an unknown LST.
        """
        return self._settle_claims(account, _queue(self._lst(lst)))

    @transaction
    def pay_rewards(
        self, account: str, lst: str, token: str, amount_per_lst: float, held: float | None = None
    ) -> float:
        """Pay a reward programme's `token` on `held` LST (default: `account`'s `lst` in the
        wallet plus Aave supply now; a season pays on the time-weighted amount instead).

        Amount per `mechanics.staking.reward_tokens`; books `rewards` on `wallet:token:token`
        at its marked price. Returns the tokens paid. Raises InvalidOperationError for an
        unknown LST, a bad rate or amount, or an unmarked token price.
        """
        self._lst(lst)
        if held is None:
            held = self.lst_held(account, lst)
        paid = staking.reward_tokens(held, amount_per_lst)
        reward = Instrument.wallet(token)
        if paid:
            self._increase(account, reward, paid)
        self._book(account, reward, Category.REWARDS, paid * self._unit_price(reward))
        return paid

    def lst_held(self, account: str, lst: str) -> float:
        """`account`'s `lst` in the wallet and supplied to Aave."""
        return self.balance(account, Instrument.wallet(lst)) + self.balance(
            account, Instrument.aave_supply(lst)
        )

    def _lst(self, lst: str) -> LstConfig:
        config = self.market.lsts.get(lst)
        if config is None:
            raise InvalidOperationError(
                f"unknown LST {lst!r}; configured: {sorted(self.market.lsts)}"
            )
        return config


def _queue(config: LstConfig) -> Instrument:
    return Instrument(config.protocol, Kind.WITHDRAWAL, "ETH")
