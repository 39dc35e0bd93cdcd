"""The declarations tie the API, the store and the table together: every collection the client lists
is declared, every column reads a field the sandbox's records have, and every sortable column is
sorted by the store on an index, in the order of the values the column shows."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tui.api.easypromos import Collection, EasypromosClient
from tui.declarations import DECLARATIONS, first, sort_key
from tui.redact import Secret
from tui.sandbox import credentials as cr
from tui.sandbox.server import SandboxServer
from tui.store import Store, views
from tui.store.specs import KEY_SLOTS, key_value, spec_for

PID = cr.ACTIVE_PROMOTION_ID


@pytest.fixture
def first_pages(sandbox: SandboxServer) -> dict[Collection, list[dict[str, Any]]]:
    """The first page of every collection the client lists (of one promotion), over real HTTP."""

    async def read() -> dict[Collection, list[dict[str, Any]]]:
        async with EasypromosClient(sandbox.easypromos_url, Secret(cr.DEMO_TOKEN)) as client:
            return {
                collection: (await client.pages(collection, PID).__anext__()).items
                for collection in Collection
            }

    return asyncio.run(read())


def test_every_listed_collection_is_declared_once() -> None:
    assert set(DECLARATIONS) == set(Collection)
    for collection, declaration in DECLARATIONS.items():
        assert spec_for(collection) is spec_for(declaration.name) is declaration


def test_every_column_reads_a_field_of_the_sandbox_records(
    first_pages: dict[Collection, list[dict[str, Any]]],
) -> None:
    for collection, records in first_pages.items():
        declaration = DECLARATIONS[collection]
        assert records, collection
        for column in declaration.columns:
            paths = (column.key, *column.fallbacks)
            assert any(first(record, paths) is not None for record in records), (collection, paths)
        assert all(declaration.id_of(record) for record in records), collection
        if declaration.created_paths:
            assert all(first(record, declaration.created_paths) for record in records), collection
        if any(column.sort == "user_id" for column in declaration.columns):
            assert all(declaration.user_of(record) for record in records), collection


def test_every_sortable_column_is_a_store_order_on_an_index(
    first_pages: dict[Collection, list[dict[str, Any]]], tmp_path: Path
) -> None:
    store = Store.open("decl", "http://sandbox", "b", directory=tmp_path)
    assert store.path is not None
    with closing(sqlite3.connect(store.path)) as conn:
        names = conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'records'")
        indexes = {
            tuple(row[2] for row in conn.execute(f"PRAGMA index_info({name})"))
            for (name,) in names.fetchall()
        }
    for collection, records in first_pages.items():
        declaration = DECLARATIONS[collection]
        sorts = {column.sort for column in declaration.columns} - {None}
        assert set(declaration.stored) <= sorts <= set(declaration.sortable()), collection
        assert len(declaration.stored) <= KEY_SLOTS
        pid = PID if collection.per_promotion else None
        store.write_page(collection, pid, records)
        for column in declaration.columns:
            if column.sort is None:
                continue
            assert ("sid", views.order_column(declaration, column.sort, None)[0]) in indexes
            key = sort_key(column)
            rows = store.rows(collection, pid, 0, len(records), sort=column.sort, descending=False)
            shown = [key_value(first(row, key.paths), key.kind) for row in rows]
            assert shown == sorted(shown, key=lambda v: (v is not None, v)), (collection, key)
    store.close()
