"""Every fault kind of the sandbox during a full export: identical data, or a clear typed error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.helpers import Control
from tui.api.easypromos import Collection, EasypromosClient
from tui.api.errors import BadResponse, NetworkError, PromoTuiApiError, ServerError
from tui.api.retry import RetryPolicy
from tui.sandbox import credentials as cr
from tui.sandbox.faults import KINDS

PID = cr.ACTIVE_PROMOTION_ID
SECONDS = {"slow": 0.2, "hang": 1.0}  # hang outlives the client's 0.5 s timeout


async def export(ep: EasypromosClient) -> list[dict]:
    items: list[dict] = []
    for collection in (Collection.PARTICIPATIONS, Collection.USERS):
        items += [item async for page in ep.pages(collection, PID) for item in page.items]
    return items


def rule(kind: str, nth: list[int]) -> dict:
    return {"kind": kind, "nth": nth, "method": "GET", "path": "/v2/", "seconds": SECONDS.get(kind)}


@pytest.mark.parametrize("kind", KINDS)
async def test_export_under_faults_is_identical(
    kind: str, control: Control, make_ep: Callable[..., EasypromosClient]
) -> None:
    async with make_ep(timeout=0.5) as ep:
        clean = await export(ep)
        # Twice in a row on one request, and once more later on.
        control.faults(rule(kind, [2, 3, 7]))
        assert await export(ep) == clean
    assert control.stats()["faults"][kind] == 3


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("500", ServerError),
        ("reset", NetworkError),
        ("truncate", BadResponse),
        ("hang", NetworkError),
    ],
)
async def test_persistent_faults_give_a_clear_typed_error(
    kind: str,
    error: type[PromoTuiApiError],
    control: Control,
    make_ep: Callable[..., EasypromosClient],
) -> None:
    control.faults(
        {**rule(kind, []), "probability": 1.0, "seconds": 0.6 if kind == "hang" else None}
    )
    retry = RetryPolicy(attempts=3, initial=0.01, maximum=0.02, jitter=0.0)
    async with make_ep(timeout=0.3, retry=retry) as ep:
        with pytest.raises(error, match="Gave up after 3 attempts") as raised:
            await export(ep)
    text = str(raised.value)
    assert "GET /v2/participations/" in text and "next_cursor" not in text
