"""The PostgreSQL mode's default backend: this node's own tantivy and HNSW indexes, kept from
the database, with the database's full text standing in while a new node builds its own.

Why not search inside PostgreSQL: ``ts_rank_cd`` scores every row that matches, so a common
word costs 185 ms at 75,000 papers and seconds at a million, and vectors need pgvector, which
many servers lack. The index backend answers in a few milliseconds at a million papers
(docs/operations.md has both sets of figures). PostgreSQL stays the one source of truth: the
indexes are derived from it by watermark (``paperwire serve`` runs a follower that brings them
up to date every ``PAPERWIRE_INDEX_FOLLOW_SECONDS``), so a node is a disposable replica that
anyone can add or throw away.

A node that has no keyword index yet (just added, or its directory wiped) serves at once: the
database's tsvector column answers keyword searches, slower, and every search says so (and
says so again while that column is still being filled after an import: the followers fill
it, ``postgres.fill_keyword_column``). Its
semantic half arrives with its vector index; until then searches are keyword-only and say so
(with how far the embedding has got, as on any node without a vector index).
"""

from __future__ import annotations

from pathlib import Path

from paperwire.search.backends.base import BackendStatus, Keys
from paperwire.search.backends.postgres import PostgresBackend
from paperwire.search.backends.sqlite import SqliteBackend
from paperwire.search.filters import Filters
from paperwire.search.hits import Hit
from paperwire.search.query import ParsedQuery, Sort

BUILDING_KEYWORDS = (
    "this server is still building its own keyword index: keyword matches come from the "
    "database's full-text search meanwhile (slower, ranked a little differently)"
)


class ReplicaBackend(SqliteBackend):
    name = "index"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.database = PostgresBackend()

    def lexical(self, query: ParsedQuery, limit: int, sort: Sort = Sort.RELEVANCE) -> list[Hit]:
        if not self.lexical_index.exists():
            return self.database.lexical(query, limit, sort)
        return super().lexical(query, limit, sort)

    def matching_keys(self, filters: Filters, cap: int) -> Keys | None:
        if not self.lexical_index.exists():
            return self.database.matching_keys(filters, cap)
        return super().matching_keys(filters, cap)

    def notices(self) -> list[str]:
        if self.lexical_index.exists():
            return []
        return [BUILDING_KEYWORDS, *self.database.notices()]

    def status(self) -> BackendStatus:
        status = super().status()
        if not self.lexical_index.exists():
            status.details["keyword_fallback"] = "postgresql full text"
        return status
