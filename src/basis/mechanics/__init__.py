"""Pure, typed venue mechanics (DESIGN §3): Aave, staking, perps, trading costs, gas, transfers."""
