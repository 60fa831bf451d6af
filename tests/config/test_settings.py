"""Environment profiles and secrets; where the configs come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.config import get_settings
from basis.config.settings import packaged_configs
from basis.errors import ConfigError, MissingSecretError


def test_settings_dev_catalog_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_HOME", str(tmp_path))
    settings = get_settings()
    assert settings.env == "dev"
    assert settings.catalog_path == tmp_path / "catalog"
    monkeypatch.setenv("BASIS_CATALOG", str(tmp_path / "elsewhere"))
    assert get_settings().catalog_path == tmp_path / "elsewhere"


def test_settings_prod_without_secrets_fails_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_ENV", "prod")
    monkeypatch.delenv("BASIS_SECRET_KEY", raising=False)
    monkeypatch.setenv("BASIS_DB_URL", "postgresql://db/basis")
    with pytest.raises(MissingSecretError, match="'prod' needs BASIS_SECRET_KEY;"):
        get_settings()
    monkeypatch.setenv("BASIS_SECRET_KEY", "s3cret")
    settings = get_settings()
    assert settings.secret_key is not None
    assert "s3cret" not in repr(settings)  # secrets never print


def test_settings_unknown_profile_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_ENV", "production")
    with pytest.raises(ConfigError, match="BASIS_ENV='production'"):
        get_settings()


def test_configs_path_packaged_defaults_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BASIS_CONFIGS", raising=False)
    monkeypatch.delenv("BASIS_CONFIG_DIR", raising=False)
    assert get_settings().configs_path == packaged_configs()
    assert (packaged_configs() / "modes" / "btc_basis.yaml").is_file()


def test_configs_path_working_folder_only_when_it_holds_modes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BASIS_CONFIGS", raising=False)
    monkeypatch.delenv("BASIS_CONFIG_DIR", raising=False)
    (tmp_path / "configs").mkdir()
    assert get_settings().configs_path == packaged_configs()  # someone else's configs/
    (tmp_path / "configs" / "modes").mkdir()
    assert get_settings().configs_path == tmp_path / "configs"


def test_configs_path_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_CONFIG_DIR", str(tmp_path / "old"))
    assert get_settings().configs_path == tmp_path / "old"
    monkeypatch.setenv("BASIS_CONFIGS", str(tmp_path / "new"))
    assert get_settings().configs_path == tmp_path / "new"
