"""The local cache of fetched collections (SQLite); no Textual here."""

from tui.store.store import Freshness, ScopeInfo, Store, StoreError, WriteResult

__all__ = ["Freshness", "ScopeInfo", "Store", "StoreError", "WriteResult"]
