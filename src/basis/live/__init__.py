"""The wall-clock runtime: the backtest's strategies on live or paper venues (DESIGN §6)."""
