"""The API clients of a profile for a command: as the app builds them, or a clear UsageError."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui import clients
from tui.api.pacing import Lane
from tui.commands._common import UsageError, say
from tui.config import Settings

if TYPE_CHECKING:
    from tui.api.easypromos import EasypromosClient
    from tui.api.ezepo import EzepoClient


def _warn(text: str) -> None:
    say(f"promo-tui: warning: {text}")


def easypromos_client(settings: Settings, lane: Lane = Lane.INTERACTIVE) -> EasypromosClient:
    """The Easypromos client of the profile, its calls in `lane` (UsageError without a token)."""
    client = clients.easypromos_client(settings, warn=_warn, lane=lane)
    if client is None:
        raise UsageError(
            f"no Easypromos token for profile {settings.profile!r}: set EASYPROMOS_TOKEN or "
            f"easypromos_token in {settings.config_path}"
        )
    return client


def ezepo_client(settings: Settings) -> EzepoClient:
    """The Ezepo client of the profile (UsageError without an endpoint and a key)."""
    client = clients.ezepo_client(settings, warn=_warn)
    if client is None:
        raise UsageError(
            f"no Ezepo endpoint and key for profile {settings.profile!r}: set EZEPO_ENDPOINT and "
            f"EZEPO_KEY or ezepo_endpoint and ezepo_key in {settings.config_path}"
        )
    return client
