"""A second promo-tui process on the demo account, for the shared-budget test.

It reads the account (its check), starts `HANGING` user reads that the sandbox is told to hang
(calls held in flight until the process dies), prints `ready`, then reads a promotion every
0.1 s until it is killed. Settings come from the environment, as the CLI's do.
"""

from __future__ import annotations

import asyncio

from tui import clients
from tui.config import load_settings
from tui.sandbox import credentials as cr

HANGING = 5


async def main() -> None:
    client = clients.easypromos_client(load_settings())
    assert client is not None
    async with client:
        await client.organizing_brands()
        pid = cr.ACTIVE_PROMOTION_ID
        hanging = [asyncio.ensure_future(client.user(pid, uid)) for uid in range(1, HANGING + 1)]
        await asyncio.sleep(0.2)
        print("ready", flush=True)
        while True:
            await client.promotion(pid)
            await asyncio.sleep(0.1)
        del hanging


if __name__ == "__main__":
    asyncio.run(main())
