"""Pacifica, a perp DEX: our own thin client (signing, REST, rate credits), docs/pacifica.md."""
