"""Managed accounts: their encrypted keys, and self-trade prevention across them."""
