"""Research runs over many backtests: parameter sweeps and optimisation on dask.distributed.

`cluster` opens a dask client (local processes or a remote scheduler) and streams task
outcomes back to the client process, where results are stored by a single writer.
"""
