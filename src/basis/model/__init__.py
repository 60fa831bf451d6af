"""What strategies and both runtimes share: orders, market snapshots, spans, run results.

It sits below strategies, the backtest loop and the live runtime, so imports point one way
(STYLE rule 1): a strategy reads these types and never imports a runtime.
"""
