"""The local venue emulator: Binance's REST dialect on 127.0.0.1 over replayed catalog data."""
