"""The API clients of a profile, built the way the app builds them (one code path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.api.easypromos import EasypromosClient
from tui.commands._common import UsageError
from tui.config import Settings

if TYPE_CHECKING:
    from tui.api.ezepo import EzepoClient


def easypromos_client(settings: Settings) -> EasypromosClient:
    """The Easypromos client of the profile (UsageError when it has no token)."""
    if not settings.easypromos_token:
        raise UsageError(
            f"no Easypromos token for profile {settings.profile!r}: set EASYPROMOS_TOKEN or "
            f"easypromos_token in {settings.config_path}"
        )
    return EasypromosClient(
        settings.easypromos_url,
        settings.easypromos_token,
        rate_limit=settings.rate_limit,
        rate_window=settings.rate_window_seconds,
        timeout=settings.timeout_seconds,
    )


def ezepo_client(settings: Settings) -> EzepoClient:
    """The Ezepo client of the profile (UsageError without an endpoint and a key)."""
    if not settings.ezepo_endpoint or not settings.ezepo_key:
        raise UsageError(
            f"no Ezepo endpoint and key for profile {settings.profile!r}: set EZEPO_ENDPOINT and "
            f"EZEPO_KEY or ezepo_endpoint and ezepo_key in {settings.config_path}"
        )
    from tui.api.ezepo import EzepoClient

    return EzepoClient(
        settings.ezepo_endpoint, settings.ezepo_key, timeout=settings.timeout_seconds
    )
