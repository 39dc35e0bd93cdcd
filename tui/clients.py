"""The API clients of a profile's settings: the one place the app and the commands build them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.api.easypromos import EasypromosClient
from tui.api.pacing import Lane
from tui.api.transport import Warn
from tui.config import Settings

if TYPE_CHECKING:
    from tui.api.ezepo import EzepoClient


def easypromos_client(
    settings: Settings, warn: Warn | None = None, lane: Lane = Lane.INTERACTIVE
) -> EasypromosClient | None:
    """The Easypromos client (paced as configured, its calls in `lane`), or None when the
    profile has no token; `warn` hears of answers taken with a caveat."""
    if not settings.easypromos_token:
        return None
    return EasypromosClient(
        settings.easypromos_url,
        settings.easypromos_token,
        rate_limit=settings.rate_limit,
        rate_window=settings.rate_window_seconds,
        rate_reserve=settings.rate_reserve,
        lane=lane,
        timeout=settings.timeout_seconds,
        warn=warn,
        journal_path=settings.journal_path,
        coin_reference=settings.coin_reference,
        reconcile_window=settings.coin_check_seconds,
    )


def ezepo_client(settings: Settings, warn: Warn | None = None) -> EzepoClient | None:
    """The Ezepo client, or None when the profile lacks the endpoint or the key."""
    if not settings.ezepo_endpoint or not settings.ezepo_key:
        return None
    from tui.api.ezepo import EzepoClient

    return EzepoClient(
        settings.ezepo_endpoint, settings.ezepo_key, timeout=settings.timeout_seconds, warn=warn
    )
