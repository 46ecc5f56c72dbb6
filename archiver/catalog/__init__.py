"""The catalog: an index of what the store holds, in SQLite (embedded default) or PostgreSQL.

The store is the source of truth; the catalog is rebuilt from it when lost (a thread missing from the catalog
is captured as if new, and its head version is found in the store).
"""

from ..schedule import ThreadState
from .threads import Catalog, Indexed, SearchHit

__all__ = ["Catalog", "Indexed", "SearchHit", "ThreadState"]
