"""The market as configured: every venue, Aave, the LSTs and gas units, loaded together."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from basis.config import loader
from basis.config.aave import AaveConfig
from basis.config.base import FrozenModel
from basis.config.dex import DexConfig
from basis.config.gas import GasConfig
from basis.config.lst import LstConfig, LstsConfig
from basis.config.venues import VenueConfig
from basis.errors import ConfigError


class MarketConfig(FrozenModel):
    """Everything the mechanics need to know about venues; one object, passed down."""

    venues: dict[str, VenueConfig]
    aave: AaveConfig
    lsts: dict[str, LstConfig]
    gas: GasConfig
    dex: DexConfig = DexConfig()

    def with_margin_model(self, model: str, venues: Iterable[str]) -> MarketConfig:
        """This market with `venues` on margin `model` (`cash` or `unified`); `venue` keeps
        each venue's own. Raises ConfigError for a venue without unified parameters."""
        if model == "venue":
            return self
        changed = {}
        for name in venues:
            venue = self.venue(name)
            if model == "unified" and venue.margin.unified is None:
                raise ConfigError(
                    f"margin_model unified: venue {name!r} has no unified-margin parameters "
                    f"(`margin.unified` in configs/venues/{name}.yaml); it supports cash only"
                )
            if model == "unified" and venue.margin.mode != "cross":
                raise ConfigError(f"margin_model unified: venue {name!r} uses isolated margin")
            margin = venue.margin.model_copy(update={"model": model})
            changed[name] = venue.model_copy(update={"margin": margin})
        return self.model_copy(update={"venues": self.venues | changed})

    def venue(self, name: str) -> VenueConfig:
        try:
            return self.venues[name]
        except KeyError:
            raise ConfigError(
                f"unknown venue {name!r}; configured: {sorted(self.venues)}"
            ) from None


def load_market(config_dir: Path) -> MarketConfig:
    """Load `venues/*.yaml`, `aave_v3.yaml`, `lsts.yaml`, `gas.yaml` and `dex.yaml` (optional)."""
    venue_files = sorted((config_dir / "venues").glob("*.yaml"))
    if not venue_files:
        raise ConfigError(f"{config_dir / 'venues'}: no venue files (*.yaml)")
    venues = {f.stem: loader.load(VenueConfig, f) for f in venue_files}
    for stem, venue in venues.items():
        if venue.name != stem:
            raise ConfigError(
                f"{config_dir / 'venues' / stem}.yaml: name: got {venue.name!r}; "
                f"must equal the file name {stem!r}"
            )
    return MarketConfig(
        venues=venues,
        aave=loader.load(AaveConfig, config_dir / "aave_v3.yaml"),
        lsts=loader.load(LstsConfig, config_dir / "lsts.yaml").lsts,
        gas=loader.load(GasConfig, config_dir / "gas.yaml"),
        dex=loader.load(DexConfig, dex)
        if (dex := config_dir / "dex.yaml").is_file()
        else DexConfig(),
    )
