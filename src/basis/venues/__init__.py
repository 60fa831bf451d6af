"""Venue adapters over ccxt and the local venue emulator; ccxt is imported only in here."""
