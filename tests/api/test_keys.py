"""The signing key: from BASIS_SECRET_KEY, else a private file made once per data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from basis.api.keys import KEY_FILE, signing_key
from basis.config.settings import Settings
from basis.errors import ConfigError


def test_dev_key_is_created_private_once_and_reused(tmp_path: Path) -> None:
    settings = Settings(env="dev", home=tmp_path)
    first = signing_key(settings)
    assert len(first) >= 32
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert signing_key(settings) == first
    assert signing_key(Settings(env="dev", home=tmp_path / "other")) != first


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(env="dev", home=tmp_path)
    signing_key(settings)
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        signing_key(settings)


def test_the_configured_key_wins_and_must_be_long(tmp_path: Path) -> None:
    key = "k" * 40
    assert signing_key(Settings(home=tmp_path, secret_key=SecretStr(key))) == key.encode()
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="at least 32") as caught:
        signing_key(Settings(home=tmp_path, secret_key=SecretStr("short-key")))
    assert "short-key" not in str(caught.value)
