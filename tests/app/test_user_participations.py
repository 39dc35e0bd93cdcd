"""A user's participations in the detail pane come from an indexed field lookup in the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tui.api.endpoints import Collection
from tui.config import Settings
from tui.sandbox import credentials
from tui.sandbox.server import SandboxServer
from tui.session import Session

ACTIVE = str(credentials.ACTIVE_PROMOTION_ID)


async def test_user_participations_match_the_cached_records(
    sandbox: SandboxServer, settings_for: Callable[..., Settings]
) -> None:
    session = Session(settings_for(sandbox))
    await session.start()
    try:
        await session.load_account()
        assert await session.user_participations(ACTIVE, "1", 5) == (None, [])  # not cached
        await session.refresh(Collection.PARTICIPATIONS, ACTIVE, False, lambda _: None)
        cached = list(session.store.iter_records(Collection.PARTICIPATIONS, ACTIVE))
        by_user = Counter(str(p["user_id"]) for p in cached)
        user, expected = by_user.most_common(1)[0]
        count, newest = await session.user_participations(ACTIVE, user, 3)
        assert count == expected
        mine = [p for p in cached if str(p["user_id"]) == user]  # iter_records: newest first
        assert [p["id"] for p in newest] == [p["id"] for p in mine[:3]]
        assert await session.user_participations(ACTIVE, "no-such-user", 3) == (0, [])
    finally:
        await session.close()
