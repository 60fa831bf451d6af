"""basis: backtest, stress-test and run market-neutral crypto yield strategies."""

__version__ = "0.1.0"
