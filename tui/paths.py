"""Where promo-tui keeps its files, following the platform's conventions (platformdirs)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "promo-tui"


def config_file() -> Path:
    """The default config file (TOML)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    """Durable data that is not a cache: the coin-transaction journal."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """Re-creatable data: the local store of fetched collections."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def state_dir() -> Path:
    """What the app leaves about its runs: crash files."""
    return Path(platformdirs.user_state_dir(APP_NAME))
