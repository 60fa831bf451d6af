"""Operating live and paper runs with real venue adapters: the service the CLI and API call.

It sits above `live` (the runtime) and `venues` (the adapters), so it is the one place
that opens venues for a run, runs it until told to stop, and reads its state back.
"""
