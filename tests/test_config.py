"""Config: profiles, env overrides, clear errors, comments kept, private atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.config import ConfigError, load_settings, save_profile
from tui.redact import Secret

EXAMPLE = """\
# My promo-tui settings: keep this comment.
default_profile = "work"

[defaults]
rate_limit = 150
rate_reserve = 0

[profiles.work]
easypromos_token = "work-token-123"  # from Utilities > API
ezepo_endpoint = "https://optout.example.com/"

[profiles.home]
rate_window_seconds = 2
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "config.toml"
    path.write_text(EXAMPLE)
    path.chmod(0o600)
    return path


def test_default_profile_and_defaults_table(config: Path) -> None:
    settings = load_settings(config, env={})
    assert settings.profile == "work"
    assert (settings.rate_limit, settings.rate_reserve) == (150, 0.0)
    assert isinstance(settings.easypromos_token, Secret)
    assert settings.easypromos_token.reveal() == "work-token-123"
    assert settings.ezepo_endpoint == "https://optout.example.com"
    assert settings.warnings == ()


def test_env_wins_over_file(config: Path) -> None:
    env = {
        "EASYPROMOS_TOKEN": "env-token-456",
        "EASYPROMOS_API_URL": "http://127.0.0.1:9/v2",
        "EZEPO_ENDPOINT": "http://127.0.0.1:9",
        "EZEPO_KEY": "env-ezepo-key",
        "PROMO_TUI_RATE_LIMIT": "20",
        "PROMO_TUI_RATE_WINDOW_SECONDS": "1.5",
    }
    settings = load_settings(config, "home", env=env)
    assert settings.easypromos_token is not None
    assert settings.easypromos_token.reveal() == "env-token-456"
    assert settings.easypromos_url == "http://127.0.0.1:9/v2"
    assert settings.ezepo_key is not None and settings.ezepo_key.reveal() == "env-ezepo-key"
    assert (settings.rate_limit, settings.rate_window_seconds) == (20, 1.5)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.toml", env={})
    assert settings.profile == "default"
    assert settings.easypromos_url == "https://api.easypromosapp.com/v2"
    assert not settings.has_easypromos


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.work\nx = 1\n", "line 1"),
        ('[profiles.work]\nrate_limit = "many"\n', "rate_limit must be a positive integer"),
        ("[profiles.work]\nrate_limit = 0\n", "rate_limit must be a positive integer"),
        ('[profiles.work]\neasypromos_api_url = "ftp://x"\n', "must be an http(s) URL"),
        ('[profiles.work]\ncolour = "red"\n', "unknown key 'colour'"),
        ('[profiles.work]\ncache_enabled = "yes"\n', "must be true or false"),
        ("[profiles.work]\nrate_reserve = 0.8\n", "rate_reserve must be a number from 0 to 0.5"),
        ('profiles = "oops"\n', "[profiles] must be a table"),
    ],
)
def test_bad_config_gives_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, "work", env={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_profile_names_the_known_ones(config: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'nope'.*home, work"):
        load_settings(config, "nope", env={})
    assert load_settings(config, "nope", env={}, allow_new_profile=True).profile == "nope"


def test_directory_as_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_settings(tmp_path, env={})


def test_world_readable_file_warns(config: Path) -> None:
    config.chmod(0o644)
    (warning,) = load_settings(config, env={}).warnings
    assert "chmod 600" in warning


def test_save_keeps_comments_and_is_private(config: Path) -> None:
    config.chmod(0o644)
    save_profile(config, "work", {"ezepo_key": Secret("new-ezepo-key"), "rate_limit": 99})
    text = config.read_text()
    assert "# My promo-tui settings: keep this comment." in text
    assert "# from Utilities > API" in text
    assert 'ezepo_key = "new-ezepo-key"' in text
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert load_settings(config, env={}).rate_limit == 99
    assert [p.name for p in config.parent.iterdir()] == ["config.toml"]


def test_save_creates_new_file_and_profile(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    save_profile(path, "fresh", {"easypromos_token": "fresh-token-1"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    settings = load_settings(path, "fresh", env={})
    assert settings.easypromos_token is not None
    assert settings.easypromos_token.reveal() == "fresh-token-1"


def test_save_rejects_bad_value_without_writing(config: Path) -> None:
    before = config.read_text()
    with pytest.raises(ConfigError):
        save_profile(config, "work", {"rate_limit": -1})
    assert config.read_text() == before
