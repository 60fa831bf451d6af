"""The ML directional modes: features, the walk-forward model, and the strategy."""

from basis.strategies.directional.strategy import Directional

__all__ = ["Directional"]
