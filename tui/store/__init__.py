"""The local cache of fetched collections (SQLite); no Textual here."""

from tui.store.store import Scope, Store, StoreError, WriteResult

__all__ = ["Scope", "Store", "StoreError", "WriteResult"]
