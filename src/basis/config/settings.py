"""Process settings from the environment: profile, paths and secrets. Nothing else reads env."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from basis.errors import ConfigError, MissingSecretError

Profile = Literal["dev", "staging", "prod"]

# Secrets each profile cannot start without, by environment variable name.
REQUIRED_SECRETS: dict[Profile, tuple[str, ...]] = {
    "dev": (),
    "staging": (),
    "prod": ("BASIS_SECRET_KEY", "BASIS_DB_URL"),
}


class Settings(BaseSettings):
    """Environment-derived settings; build them with `get_settings()`, never at import time."""

    model_config = SettingsConfigDict(env_prefix="BASIS_", extra="ignore", frozen=True)

    env: Profile = "dev"
    home: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("basis")))
    catalog: Path | None = None
    configs: Path | None = None
    config_dir: Path | None = None  # the older name of BASIS_CONFIGS, still read
    db_url: str | None = None
    secret_key: SecretStr | None = None
    real_data: Path | None = None
    # apprise URLs (webhook secrets inside), separated by spaces or commas; see docs/api.md
    notify_urls: SecretStr | None = None

    @property
    def catalog_path(self) -> Path:
        """`BASIS_CATALOG`, else `<home>/catalog`."""
        return self.catalog if self.catalog is not None else self.home / "catalog"

    @property
    def configs_path(self) -> Path:
        """The configuration folder: `BASIS_CONFIGS` (or `BASIS_CONFIG_DIR`), else a
        `configs/` folder with `modes/` in the working directory (the user's own), else
        the defaults shipped inside the package."""
        chosen = self.configs if self.configs is not None else self.config_dir
        if chosen is not None:
            return chosen
        local = Path.cwd() / "configs"
        if (local / "modes").is_dir():
            return local
        return packaged_configs()


def packaged_configs() -> Path:
    """The default configs installed with basis (package data `basis/configs`)."""
    return Path(str(resources.files("basis").joinpath("configs")))


def get_settings() -> Settings:
    """Read settings from the environment; fail fast on a bad profile.

    Raises `MissingSecretError` when the profile needs a secret that is not set, and
    `ConfigError` for an unknown profile or an unparsable value.
    """
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = "BASIS_" + ".".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(
            f"environment variable {field}={first.get('input')!r}: {first['msg']}"
        ) from None
    missing = [
        name
        for name in REQUIRED_SECRETS[settings.env]
        if getattr(settings, name.removeprefix("BASIS_").lower()) in (None, "")
    ]
    if missing:
        raise MissingSecretError(
            f"profile {settings.env!r} needs {', '.join(missing)}; set "
            f"{'it' if len(missing) == 1 else 'them'} in the environment"
        )
    return settings
