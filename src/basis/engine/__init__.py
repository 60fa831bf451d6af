"""The backtest engine: inputs, market snapshots, orders, simulated execution, the loop.

Import the modules directly (`basis.engine.loop`, `basis.model.result`, …); this package
imports nothing so that `result` and `orders`, which analytics and strategies read, stay
free of the loop's dependencies.
"""
